"""One validation run from start to verdict: finding suites (``registry``), running every check of
a suite for a window and saving the results (``run``), which window a run validates
(``partition``), the printed summary (``report``) and the capture of reference snapshots
(``snapshot``).

May import: ``datavigil.checks`` and everything below it (engine, store, declare, stats, core).
Never Airflow, never the CLI or the UI.
"""
