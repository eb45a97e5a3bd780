"""Run a management command as from the command line and return its exit code."""

from __future__ import annotations

from django.core.management import ManagementUtility


def run_cli(*argv: str) -> int:
    """``manage.py <argv>``: 0 on success, the exit code a shell would see otherwise.

    Output goes to the real stdout/stderr (read it with pytest's ``capsys``).
    """
    try:
        ManagementUtility(["manage.py", *argv]).execute()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
