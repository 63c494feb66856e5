"""The engine: checks declare metrics, a plan computes them where the data is, checks judge.

``metrics``: the vocabulary (frozen records) and predicates; ``compile``: metrics and predicates
to SQLAlchemy Core for any dialect; ``backends``: where a plan runs (the source database, or
DuckDB in process for files, Arrow tables and pandas frames); ``plan``: one run's metrics,
deduplicated and grouped into as few queries as possible (docs/adr/0030).
"""
