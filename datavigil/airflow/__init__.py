"""Everything that runs inside Airflow: the DAG factory (``dags``), the Assets a run publishes
(``assets``), the operator (``operator``), notifiers (``notify``) and the API server's plugin that
serves the data-quality pages (``plugin``). Only this package imports Airflow, and ``dags`` only
``airflow.sdk`` at module top (a DAG file's parse stays light).

May import: ``datavigil.ui``, the runner and everything below it. Never the CLI.
"""
