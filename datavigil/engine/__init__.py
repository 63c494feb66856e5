"""The engine: checks declare metrics, a plan computes them where the data is, checks judge.

``metrics``: the vocabulary (frozen records) and predicates; ``compile``: metrics and predicates
to SQLAlchemy Core for any dialect; ``backends``: where a plan runs (the source database, or
DuckDB in process for files, Arrow tables and pandas frames); ``plan``: one run's metrics,
deduplicated and grouped into as few queries as possible (docs/adr/0030), with ``moments`` (the
two-pass moments statements), ``row_queries`` (one-metric queries), ``values`` (what a plan
computed) and ``stored_metrics`` (its rows for the results store); ``partition``: the partition
filters; ``sources``: SqlSource, FileSource and FrameSource, what a suite reads and how, one
module per kind (``dialects``: type families and the embedded DuckDB); ``probes``: the cheap
questions checks ask of sources outside the scan (latest timestamp, file times, columns);
``profile``: per-column profiles of a scan.

May import: ``datavigil.declare``, ``datavigil.stats`` and ``datavigil.core``; SQLAlchemy,
DuckDB and pyarrow inside functions. Never the store, the checks or the runner.
"""
