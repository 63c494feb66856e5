"""What users declare: a ``Suite`` and its ``Partition`` (``suite``), the data's time windows
(``window``), a model's prediction log (``prediction_log``) and rolling references (``rolling``).
Sources are declared too; they live in ``datavigil.engine.sources`` because they know how to be
read. Users import all of these from ``datavigil`` itself.

May import: ``datavigil.stats`` (a suite warns at declaration when a test can never be
powered, docs/adr/0088) and ``datavigil.core``. Nothing here reads data or the results store.
"""
