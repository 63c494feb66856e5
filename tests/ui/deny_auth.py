"""An auth manager for tests: Airflow's SimpleAuthManager, except that no user but admin may
read anything of the DAG ``validate_payroll`` (as a FAB or Keycloak role granted some DAGs and
not others would)."""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

DENIED_DAG = "validate_payroll"


class DenyOneDag(SimpleAuthManager):
    def is_authorized_dag(self, *, method: Any, user: Any, **kw: Any) -> bool:
        details = kw.get("details")
        if details is not None and details.id == DENIED_DAG and user.get_name() != "admin":
            return False
        return super().is_authorized_dag(method=method, user=user, **kw)
