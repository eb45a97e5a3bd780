"""Settings of the demo site (``make demo``): the test project's local.py plus demo-only bits.

- ``DEMO_MODE``: turns on the demo sign-in page (``testauth.demo_login``); EVE SSO cannot be
  reached here, so the demo signs users in by picking one of the demo accounts.
- Local copies of AA's CDN assets are served from ``.demo/vendor/node_modules`` under
  ``/static/vendor/`` (installed by ``tests/testauth/vendor_assets.py``).
- SQLite in WAL mode with immediate transactions: the web server, the initial load and the
  periodic updates write to the same database at the same time.
- Short staleness rings, so that the periodic updates of the demo show changing data within
  minutes (ESI's cache timers are still honoured).
- Celery stays eager (from local.py): tasks run in the thread that queues them.
"""

import os
from pathlib import Path

from .local import *  # noqa: F401,F403
from .local import DATABASES, MIDDLEWARE, STATICFILES_DIRS

#: where tests/testauth/vendor_assets.py installs the local copies of the CDN assets
VENDOR_NODE_MODULES = Path(__file__).resolve().parents[3] / ".demo" / "vendor" / "node_modules"

DEMO_MODE = True
SITE_NAME = "Member Audit Demo"
LOGIN_URL = "demo_login"

STATICFILES_DIRS = [*STATICFILES_DIRS, ("vendor", str(VENDOR_NODE_MODULES))]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }

MEMBERAUDIT_UPDATE_STALE_RING_1 = int(os.environ.get("DEMO_STALE_RING_1", "2"))
MEMBERAUDIT_UPDATE_STALE_RING_2 = int(os.environ.get("DEMO_STALE_RING_2", "10"))
MEMBERAUDIT_UPDATE_STALE_RING_3 = int(os.environ.get("DEMO_STALE_RING_3", "30"))

# EVE's image server cannot be reached either: links to it become local placeholders.
MIDDLEWARE = [*MIDDLEWARE, "testauth.demo_images.EveImagesMiddleware"]
