"""The data-quality pages: FastAPI app (``app``), the store's queries behind them (``queries``),
the views and their HTML (``views``, ``render``, ``templates/``) and server-side SVG plots
(``plots``, ``svg``), who may read which suite (``access``), docs/adr/0070 and 0122. Served
by Airflow's plugin and written to files by ``datavigil report``.

May import: ``datavigil.store`` and ``datavigil.core``. Never Airflow (the plugin wraps the app).
"""
