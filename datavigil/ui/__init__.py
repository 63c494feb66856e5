"""The data-quality pages: FastAPI app, HTML, server-side SVG plots (docs/adr/0070)."""
