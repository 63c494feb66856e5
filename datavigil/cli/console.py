"""What the `datavigil` command writes goes through here: every line redacted, and a reader
that goes away (``datavigil results | head -1``) ends the output quietly instead of raising
BrokenPipeError, so the command finishes its work and exits with its own code (docs/adr/0061).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from datavigil.core import redact


class SafeStream:
    """A text stream whose writes are redacted and survive a closed pipe. After EPIPE the file
    descriptor is pointed at /dev/null (what the Python docs recommend for SIGPIPE), so the
    interpreter's last flush cannot fail either, and later writes are dropped."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(redact.redact_text(text))
            except BrokenPipeError:
                self._closed()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._closed()

    def _closed(self) -> None:
        self.broken = True
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, io.UnsupportedOperation):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def guarded() -> Iterator[None]:
    """stdout and stderr as SafeStreams for the duration of one command; the redacting log
    filter on the "datavigil" logger and on every root handler (the CLI's stderr path)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(saved[0]), SafeStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout, sys.stderr = saved


def install_log_redaction() -> None:
    redact.install(logging.getLogger("datavigil"))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, redact.RedactingFilter) for f in handler.filters):
            handler.addFilter(redact.RedactingFilter())


def first_line(exc: BaseException) -> str:
    """An error as the command shows it: the first line of its message (its class's name if
    it has none)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
