"""Progress output of long commands: a bar on a terminal, a line per tenth otherwise."""

from __future__ import annotations

import io

from django.core.management.base import OutputWrapper

from memberaudit.management.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_output_gets_a_line_per_tenth_and_a_final_line():
    out = io.StringIO()
    with Progress(OutputWrapper(out), 1000, "Rows") as progress:
        for _ in range(1000):
            progress.advance()
    lines = out.getvalue().splitlines()
    assert len(lines) == 11  # the start, 10%, 20%, ... 90% and the final 100%
    assert lines[0].startswith("Rows: 1/1000 (0%")
    assert lines[1].startswith("Rows: 100/1000 (10%")
    assert lines[-1].startswith("Rows: 1000/1000 (100%")


def test_a_terminal_gets_one_bar_redrawn_in_place():
    out = Terminal()
    progress = Progress(OutputWrapper(out), 4, "Characters")
    progress.REDRAW_INTERVAL = 0
    for _ in range(4):
        progress.advance()
    progress.finish()
    text = out.getvalue()
    assert text.count("\n") == 1  # only after the final state
    assert text.rstrip().endswith("Characters [" + "#" * 30 + "] 4/4 100%")
    assert "\r" in text


def test_unknown_totals_count_up_and_disabled_progress_is_silent():
    out = io.StringIO()
    with Progress(out, None, "Items") as progress:
        progress.advance(7)
    assert out.getvalue().startswith("Items: 7 (")
    quiet = io.StringIO()
    with Progress(quiet, 10, "Items", enabled=False) as progress:
        progress.advance(10)
    assert quiet.getvalue() == ""
