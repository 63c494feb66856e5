# The datavigil image for docker-compose.yml: the official Airflow image plus this project.
# apache-airflow is pinned in the same pip call, so installing datavigil never moves Airflow.
# Python 3.11, as in the project's venv and CI.
FROM apache/airflow:3.3.2-python3.11

# Directories behind the compose file's named volumes, writable by group 0 so that any
# AIRFLOW_UID (run as "<uid>:0") can write them; the source tree is built in place by pip.
USER root
RUN mkdir -p /opt/airflow/logs /opt/airflow/datavigil /opt/airflow/auth /opt/datavigil-src \
 && chown -R airflow:0 /opt/airflow/logs /opt/airflow/datavigil /opt/airflow/auth /opt/datavigil-src \
 && chmod -R g+rwX /opt/airflow/logs /opt/airflow/datavigil /opt/airflow/auth
USER airflow

# Only what the package needs: the datavigil package (the results-store migrations are its
# package data). dags/ and the suites (schemas/) are user files, mounted at run time.
COPY --chown=airflow:0 pyproject.toml README.md /opt/datavigil-src/
COPY --chown=airflow:0 datavigil /opt/datavigil-src/datavigil
RUN pip install --no-cache-dir "apache-airflow==3.3.2" /opt/datavigil-src \
 && rm -rf /opt/datavigil-src/build
