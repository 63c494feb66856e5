"""Credentials never reach a screen, a log or a results row (docs/adr/0062).

``redact_url`` masks the credentials of one URL; ``redact_text`` masks every URL found in free
text and every ``key=value`` pair whose key names a secret (libpq conninfo, query strings).
Forms covered: ``user:password@host`` (a password may hold ``@`` or ``:``: the userinfo ends at
the last ``@`` before the query), percent-encoded passwords, ``?password=``, ``&sslpassword=``
and any option whose name says it holds a secret (``secret_key``): its last word ends in
password, passwd, passphrase, pwd, secret, token or credential(s), is ``pass``, ``sig`` or
``signature``, or is ``key`` after a word that makes it one (api, access, private, secret…).
``partition_key``, ``primary_key`` or ``monkey`` name no secret and stay (docs/adr/0122).
Import-light: only ``re`` and ``logging``.
"""

from __future__ import annotations

import logging
import re

MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_TOKEN_END = re.compile(r"[\s'\"`<>]")
# the last word of an option name that holds a credential ends in one of these...
_SECRET_ENDINGS = tuple(
    "password passwd passphrase pwd secret token credential credentials apikey accesskey "
    "privatekey secretkey sslkey accountkey masterkey authkey clientkey signingkey".split()
)
_SECRET_WORDS = frozenset(("pass", "sig", "signature"))  # ...or is one of these...
# ...or is "key" alone or after one of these: "api_key" is a credential, "partition_key" not
_KEY_KINDS = frozenset(
    "api access private secret client account master auth signing encryption shared sas ssl "
    "storage subscription app service session license security".split()
)
_KEY = r"(?P<key>[A-Za-z][A-Za-z0-9_.\-]*)"
_PAIR = re.compile(_KEY + r"(?P<eq>\s*=\s*)(?P<value>'[^']*'|[^\s&'\"]+)")  # free text
_QUERY_PAIR = re.compile(_KEY + r"(?P<eq>=)(?P<value>[^&#]*)")  # inside a URL's query


def secret_key(name: str, in_url: bool = False) -> bool:
    """Whether a query or conninfo option name names a credential: judged on its last word
    (``api_token``, ``sslpassword``, ``aws_secret_access_key``), never on a substring anywhere
    (``partition_key``, ``token_count`` and ``monkey`` are not secrets). A bare ``key`` is
    one in a URL's query (``?key=``: an API key), not in free text ("sort key = day")."""
    words = [w for w in re.split(r"[_.\-]", name.lower()) if w]
    if not words:
        return False
    last = words[-1]
    if last.endswith(_SECRET_ENDINGS):
        return True
    if last == "key":
        return in_url if len(words) == 1 else words[-2] in _KEY_KINDS
    return last in _SECRET_WORDS


def _mask_pairs(text: str, pattern: re.Pattern[str] = _PAIR) -> str:
    in_url = pattern is _QUERY_PAIR

    def repl(m: re.Match[str]) -> str:
        if not secret_key(m.group("key"), in_url):
            return m.group(0)
        return f"{m.group('key')}{m.group('eq')}{MASK}"

    return pattern.sub(repl, text)


def _mask_userinfo(rest: str) -> str:
    """``rest`` is what follows ``scheme://``. The userinfo ends at the last ``@`` before the
    query (searched from the first ``@``, so a password may hold ``@``, ``:``, ``/`` or ``?``)."""
    if rest.startswith("/"):
        return rest  # empty authority (sqlite:///path): no credentials
    first = rest.find("@")
    if first < 0:
        return rest
    query = [i for i in (rest.find("?", first), rest.find("#", first)) if i >= 0]
    end = rest.rfind("@", 0, min(query) if query else len(rest))
    userinfo, tail = rest[:end], rest[end:]
    user, colon, _ = userinfo.partition(":")
    return f"{user}:{MASK}{tail}" if colon else rest


def redact_url(url: str) -> str:
    """One URL with its password (in the userinfo or the query) replaced by ``***``."""
    m = _SCHEME.match(url)
    if m is None:
        return _mask_pairs(url)
    rest = _mask_userinfo(url[m.end() :])
    return url[: m.end()] + _mask_pairs(rest, _QUERY_PAIR)


def redact_text(text: str) -> str:
    """Free text (an error message, a log line, a table) with every credential masked."""
    if not text or ("=" not in text and "://" not in text):  # no URL, no name=value: nothing
        return text
    out, pos = [], 0
    for m in _SCHEME.finditer(text):
        if m.start() < pos:
            continue
        end_match = _TOKEN_END.search(text, m.end())
        end = end_match.start() if end_match else len(text)
        while end > m.end() and text[end - 1] in ":;,.)":  # punctuation after the URL
            end -= 1
        out += [_mask_pairs(text[pos : m.start()]), redact_url(text[m.start() : end])]
        pos = end
    out.append(_mask_pairs(text[pos:]))
    return "".join(out)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with ``redact_text`` (the record's args are folded in)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to ``logger`` (default: the "datavigil" logger) and to its handlers; a
    logger's filter sees only records logged on it, a handler's sees every record it emits."""
    logger = logger or logging.getLogger("datavigil")
    targets: list[logging.Filterer] = [logger, *logger.handlers]
    for target in targets:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())
