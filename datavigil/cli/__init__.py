"""The ``datavigil`` command: ``main`` parses the arguments and dispatches to one module per
command group (``validate``, ``results``, ``suites``, ``db``, ``schema``, ``snapshot``,
``report``, ``init_suite``); ``args`` reads days and durations, ``console`` is its output.
``validate`` and ``results`` run through the public API (``datavigil.api``, ADR 0121).

May import: ``datavigil.api``, ``datavigil.ui`` (HTML reports), the runner and everything below
it. Never Airflow.
"""
