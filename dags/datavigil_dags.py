"""Builds one DAG `validate_<suite>` per suite in schemas/ (see datavigil/airflow/dags.py).

Kept thin: only airflow.sdk and the light part of datavigil are imported at parse time.
"""

from datavigil.airflow.dags import build_all

globals().update(build_all())
