"""The data-quality pages as a FastAPI app. It knows nothing of Airflow: the plugin
(datavigil/airflow/plugin.py) mounts it with Airflow's authentication as a dependency of every
route (docs/adr/0070). An unreachable store is a 503 page, an unknown run a 404 page, a
malformed parameter (not a number, a NUL character, a bad date) a 400 page: never a 500."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends
from fastapi.responses import HTMLResponse

from datavigil.core import config
from datavigil.core.errors import SettingError, StoreUnavailable
from datavigil.ui import views
from datavigil.ui.access import Forbidden, Readable, allow_all
from datavigil.ui.queries import STATUSES, RunFilter
from datavigil.ui.render import Links, Reader, render

MAX_RUNS = 2000


def create_app(
    dependencies: Sequence[Depends] = (),
    url: Callable[[], str] = config.results_url,
    access: Callable[..., Readable] = allow_all,
) -> FastAPI:
    """``dependencies`` guard every route (the plugin passes Airflow's authentication);
    ``url`` gives the results store's URL at request time; ``access``, a dependency, which
    suites the request's user may read (datavigil.ui.access; the plugin asks Airflow)."""
    app = FastAPI(
        title="datavigil data quality",
        dependencies=list(dependencies),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    reader = Reader(url)

    def page(request: Request, build: Callable[[Any], views.Page]) -> HTMLResponse:
        return _respond(reader, request, build)

    _add_list_routes(app, page, Depends(access))
    _add_item_routes(app, page, Depends(access))

    @app.exception_handler(RequestValidationError)
    def bad_parameter(request: Request, exc: RequestValidationError) -> HTMLResponse:
        links = Links(request.scope.get("root_path", "").rstrip("/"))
        return _error(links, reader, 400, "Bad request", _invalid(exc))

    return app


def _invalid(exc: RequestValidationError) -> str:
    """'id: Input should be a valid integer ('abc')' for each parameter FastAPI refused."""
    parts = []
    for e in exc.errors():
        name = ".".join(str(x) for x in e.get("loc", ())[1:]) or "request"
        given = e.get("input")
        shown = f" ({str(given)[:40]!r})" if isinstance(given, str) else ""
        parts.append(f"{name}: {e.get('msg', 'invalid')}{shown}")
    return "; ".join(parts) or "invalid parameters"


Page = Callable[[Request, Callable[[Any], views.Page]], HTMLResponse]


def _add_list_routes(app: FastAPI, page: Page, user: Any) -> None:
    """The pages that list runs: all suites (``/``) and one suite (``/suite``)."""

    @app.get("/", response_class=HTMLResponse)
    def index(
        request: Request,
        suite: str | None = None,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        limit: int = 200,
        readable: Readable = user,
    ) -> HTMLResponse:
        return page(
            request,
            lambda c: views.index(c, _run_filter(suite, since, until, status, limit), readable),
        )

    @app.get("/suite", response_class=HTMLResponse)
    def suite_view(
        request: Request,
        name: str,
        since: str | None = None,
        until: str | None = None,
        status: str | None = None,
        limit: int = 200,
        readable: Readable = user,
    ) -> HTMLResponse:
        return page(
            request,
            lambda c: views.suite_page(
                c, name, _run_filter(name, since, until, status, limit), readable
            ),
        )


def _add_item_routes(app: FastAPI, page: Page, user: Any) -> None:
    """The pages of one thing: a run, a snapshot, a DAG run's report (the Airflow tabs)."""

    @app.get("/run", response_class=HTMLResponse)
    def run_view(request: Request, run_id: str, readable: Readable = user) -> HTMLResponse:
        return page(request, lambda c: views.run_page(c, run_id, readable))

    @app.get("/runs/{run_id:path}", response_class=HTMLResponse)
    def run_permalink(request: Request, run_id: str, readable: Readable = user) -> HTMLResponse:
        """The link alerts carry (datavigil/airflow/notify.py): the same page as /run."""
        return page(request, lambda c: views.run_page(c, run_id, readable))

    @app.get("/snapshot", response_class=HTMLResponse)
    def snapshot_view(request: Request, id: int, readable: Readable = user) -> HTMLResponse:
        return page(request, lambda c: views.snapshot_page(c, id, readable))

    @app.get("/report", response_class=HTMLResponse)
    def dag_run_report(
        request: Request,
        dag_id: str = Query(...),
        run_id: str = Query(...),
        task_id: str | None = None,
        readable: Readable = user,
    ) -> HTMLResponse:
        return page(request, lambda c: views.dag_run_page(c, dag_id, run_id, readable))


def _respond(reader: Reader, request: Request, build: Callable[[Any], views.Page]) -> HTMLResponse:
    links = Links(request.scope.get("root_path", "").rstrip("/"))
    bad = [k for k, v in request.query_params.multi_items() if "\x00" in k + v]
    if bad or "\x00" in request.url.path:
        where = f"parameter {bad[0][:40]!r}" if bad else "the path"
        return _error(links, reader, 400, "Bad request", f"{where} holds a NUL character")
    try:
        with reader.connect() as conn:
            built = build(conn)
    except StoreUnavailable as exc:
        return _error(links, reader, 503, "The results store cannot be read", str(exc))
    except SettingError as exc:  # DATAVIGIL_RESULTS_URL or the connection is unusable
        return _error(links, reader, 503, "The results store is not configured", str(exc))
    except views.NotFound as exc:
        return _error(links, reader, 404, "Not found", str(exc))
    except Forbidden as exc:
        return _error(links, reader, 403, "Forbidden", str(exc))
    except ValueError as exc:
        return _error(links, reader, 400, "Bad request", str(exc))
    return HTMLResponse(render(built.template, built.context, links, reader.label))


def _run_filter(
    suite: str | None, since: str | None, until: str | None, status: str | None, limit: int
) -> RunFilter:
    if status and status not in STATUSES:
        raise ValueError(f"status: '{status}' is not one of {', '.join(STATUSES)}")
    return RunFilter(
        suite=suite or None,
        since=views.parse_day(since, "since"),
        until=views.parse_day(until, "until"),
        status=status or None,
        limit=max(1, min(limit, MAX_RUNS)),
    )


def _error(links: Links, reader: Reader, code: int, title: str, message: str) -> HTMLResponse:
    try:
        label = reader.label
    except (StoreUnavailable, SettingError):  # the URL itself is unusable: the message says so
        label = "results store (not configured)"
    context = {"code": code, "title": title, "message": message}
    return HTMLResponse(render("error.html", context, links, label), status_code=code)
