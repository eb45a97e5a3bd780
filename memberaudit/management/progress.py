"""Progress output for long-running management commands.

On a terminal a single bar is redrawn in place; otherwise (logs, cron, tests) a plain line is
written at every tenth of the work, so output stays short and greppable.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import OutputWrapper


class Progress:
    """Counts work done and reports it on ``stream`` (a command's ``self.stdout``)."""

    BAR_WIDTH = 30
    #: a terminal bar is redrawn at most this often (seconds)
    REDRAW_INTERVAL = 0.2

    def __init__(self, stream: Any, total: int | None, label: str, *, enabled: bool = True) -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.enabled = enabled
        self.done = 0
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_step = -1
        self._interactive = enabled and _isatty(stream)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def advance(self, count: int = 1) -> None:
        """Add ``count`` units of finished work."""
        self.set(self.done + count)

    def set(self, done: int) -> None:
        """Set the finished work to ``done`` units."""
        self.done = done
        if not self.enabled:
            return
        if self._interactive:
            now = time.monotonic()
            if now - self._last_draw >= self.REDRAW_INTERVAL:
                self._last_draw = now
                self._write("\r" + self._bar(), newline=False)
            return
        if self.total:
            step = min(10, self.done * 10 // self.total)
            if step > self._last_step and step < 10:
                self._last_step = step
                self._write(self._line())

    def finish(self) -> None:
        """Report the final state (once)."""
        if not self.enabled or self._last_step == 10:
            return
        self._last_step = 10
        if self._interactive:
            self._write("\r" + self._bar())
        else:
            self._write(self._line())

    def _percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)

    def _line(self) -> str:
        elapsed = time.monotonic() - self._started
        percent = self._percent()
        if percent is None:
            return f"{self.label}: {self.done} ({elapsed:.1f}s)"
        return f"{self.label}: {self.done}/{self.total} ({percent}%, {elapsed:.1f}s)"

    def _bar(self) -> str:
        percent = self._percent()
        if percent is None:
            return self._line()
        filled = self.BAR_WIDTH * percent // 100
        return f"{self.label} [{'#' * filled}{'.' * (self.BAR_WIDTH - filled)}] {self.done}/{self.total} {percent}%"

    def _write(self, text: str, newline: bool = True) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="\n" if newline else "")
        else:
            self.stream.write(text + ("\n" if newline else ""))
        flush = getattr(self.stream, "flush", None)
        if flush:
            flush()


def _isatty(stream: Any) -> bool:
    """True when ``stream`` (or the stream a Django ``OutputWrapper`` wraps) is a terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False
