"""Run a management command as from the command line and return its exit code."""

from __future__ import annotations

from unittest import mock

from django.core.management import ManagementUtility
from django.db import connections


def run_cli(*argv: str) -> int:
    """``manage.py <argv>``: 0 on success, the exit code a shell would see otherwise.

    Output goes to the real stdout/stderr (read it with pytest's ``capsys``). Django closes all
    database connections when a command run from the command line ends; inside a test that
    would drop the test's own connection (fatal on MySQL), so that step is skipped here.
    """
    try:
        with mock.patch.object(connections, "close_all"):
            ManagementUtility(["manage.py", *argv]).execute()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
