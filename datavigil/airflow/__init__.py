"""The Airflow side of datavigil that runs in Airflow's own processes (the API server's plugin).
Only this package (and the DAG factory) imports Airflow."""
