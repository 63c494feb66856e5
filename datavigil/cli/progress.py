"""Progress of a long command on a terminal: one line redrawn in place, on stderr.

Shown only when both stdout and stderr are terminals and the command does not run inside an
Airflow task (``AIRFLOW_CTX_DAG_ID`` set): piped, redirected or logged output stays clean.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def wanted(out: TextIO | None = None, err: TextIO | None = None) -> bool:
    """Whether progress belongs on this terminal."""
    out, err = out or sys.stdout, err or sys.stderr
    if os.environ.get("AIRFLOW_CTX_DAG_ID"):
        return False
    return _tty(out) and _tty(err)


def _tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """``done / total`` partitions, failures so far, rate and time left, in place."""

    WIDTH = 24

    def __init__(self, total: int, what: str, stream: TextIO | None, clock: float | None = None):
        self.total, self.what, self.stream = total, what, stream
        self.done = self.failed = 0
        self.t0 = time.monotonic() if clock is None else clock
        self.shown = False

    def line(self, now: float | None = None) -> str:
        elapsed = max((time.monotonic() if now is None else now) - self.t0, 1e-9)
        rate = self.done / elapsed
        filled = self.WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        left = (self.total - self.done) / rate if rate > 0 else None
        eta = f", {_duration(left)} left" if left is not None and self.done < self.total else ""
        return (
            f"{self.what} [{bar}] {self.done}/{self.total} partitions, "
            f"{self.failed} failed, {rate:.2f}/s{eta}"
        )

    def step(self, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        self.draw()

    def draw(self) -> None:
        if self.stream is not None:
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        """Erase the line (before other output is printed, and at the end)."""
        if self.stream is not None and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
