"""HTML rendering (Jinja2, autoescape on: every value from data is escaped) and read access to
the results store for the pages. The stylesheet ships in the package and is inlined: a page,
or a report saved as a file, needs no network and no second request."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from datavigil.core.errors import StoreUnavailable
from datavigil.core.redact import redact_text
from datavigil.store import Store

SHORT = 60


def short(value: Any, width: int = SHORT) -> Markup:
    """Truncated on screen, the full text on hover (title) — credentials masked and escaped."""
    text = "" if value is None else redact_text(str(value))
    if len(text) <= width:
        return Markup('<span class="v">{}</span>').format(text)
    return Markup('<span class="v trunc" title="{}">{}…</span>').format(text, text[: width - 1])


def num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return str(value) if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def nums(value: Any) -> str:
    """'[470.0498, 2411.8]' (a JSON list, as details store df and CIs) -> '[470, 2412]'."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return "[" + ", ".join(num(v) for v in value) + "]"
    return num(value)


def as_json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def details_list(details: Any) -> list[tuple[str, str]]:
    if not isinstance(details, dict):
        return []
    return [(str(k), v if isinstance(v, str) else as_json(v)) for k, v in details.items()]


@cache
def stylesheet() -> Markup:
    css = resources.files("datavigil.ui").joinpath("static/datavigil.css").read_text("utf-8")
    return Markup(css.replace("</", "<\\/"))


def redacted(value: Any) -> Any:
    """Every value a template prints, credentials masked (the store's URL in the header, a
    source or a message that carries a URL): no secret reaches a page or a report file.
    Markup is markup built from values already masked: by this same step inside a macro, by
    ``short``, by the plots' ``svg.escape``."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return redact_text(value)
    return value


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("datavigil.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=redacted,
    )
    env.filters.update(short=short, num=num, nums=nums, json=as_json, details=details_list)
    env.globals.update(stylesheet=stylesheet, quote=lambda s: quote(str(s), safe=""))
    return env


class Links:
    """URLs of the pages under the app's mount prefix; ``None`` prefix: a static file (links
    to other pages are left out)."""

    def __init__(self, prefix: str | None) -> None:
        self.prefix = prefix
        self.static = prefix is None
        # where the app is mounted in: Airflow's own root, for links back to its pages
        self.parent = (prefix or "").rsplit("/", 1)[0]

    def __call__(self, page: str, **params: Any) -> str:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"{self.prefix or ''}/{page}" + (f"?{query}" if query else "")


def render(template: str, context: dict[str, Any], links: Links, store_label: str) -> str:
    page = environment().get_template(template)
    return page.render(**context, link=links, store=store_label)


class Reader:
    """Opens the results store lazily, read-only; unreachable or unreadable: StoreUnavailable
    naming the store with its password hidden."""

    def __init__(self, url: Callable[[], str]) -> None:
        self._url = url
        self._store: Store | None = None

    def store(self) -> Store:
        url = self._url()
        if self._store is None or self._store.url != url:
            self._store = Store(url)
        return self._store

    @property
    def label(self) -> str:
        return self.store().label

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        store = self.store()
        try:
            with store.engine.connect() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise _scrubbed(store, store._fail("read", exc)) from None


def _scrubbed(store: Store, exc: StoreUnavailable) -> StoreUnavailable:
    password = sa.make_url(store.url).password
    text = str(exc)
    if password:
        text = text.replace(str(password), "***")
    if "no such table" in text or "does not exist" in text:
        text += " (no datavigil tables: run `datavigil db upgrade`)"
    return StoreUnavailable(text)
