"""An auth manager for tests: Airflow's SimpleAuthManager, except that no user but admin may
read anything of any DAG but the fleet DAG ``FLEET`` (as a FAB or Keycloak role granted that
one DAG would)."""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

FLEET = "validate_fleet_day_0_3_x_x_x_america_new_york"


class OnlyTheFleetDag(SimpleAuthManager):
    def is_authorized_dag(self, *, method: Any, user: Any, **kw: Any) -> bool:
        details = kw.get("details")
        if details is not None and details.id != FLEET and user.get_name() != "admin":
            return False
        return super().is_authorized_dag(method=method, user=user, **kw)
