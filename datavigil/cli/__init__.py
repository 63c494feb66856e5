"""The ``datavigil`` command: ``main`` parses the arguments and dispatches to one module per
command group (``schema``, ``snapshot``, ``report``, ``init_suite``); ``console`` is its output.

May import: ``datavigil.ui`` (HTML reports), the runner and everything below it. Never Airflow.
"""
