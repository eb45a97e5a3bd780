"""Run the Member Audit demo site on http://127.0.0.1:8000 (embedded: SQLite + fakeredis).

Sets up a demo database under ``.demo/``, creates an admin account, prints its
credentials and serves the site until Ctrl-C. Safe to run again: existing data is kept.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / ".demo"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--characters", type=int, default=50, help="demo characters to register")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="set up only, do not serve")
    args = parser.parse_args()

    DEMO_DIR.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testauth.settings.local")
    os.environ.setdefault("SQLITE_PATH", str(DEMO_DIR / "demo.sqlite3"))
    os.environ.setdefault("DJANGO_DEBUG", "1")
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    password = "demo-admin"
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created or not admin.check_password(password):
        admin.set_password(password)
        admin.is_staff = admin.is_superuser = True
        admin.save()
    print(f"Member Audit demo: http://127.0.0.1:{args.port}/member-audit/", flush=True)
    print(f"Admin login: username 'admin', password '{password}' (at /admin/)", flush=True)
    if args.no_serve:
        return 0
    call_command("runserver", f"127.0.0.1:{args.port}", "--insecure", "--noreload")
    return 0


if __name__ == "__main__":
    sys.exit(main())
