"""Settings of Member Audit's test project, on top of AA's generated base.py.

Embedded default: SQLite and a django_redis cache backed by fakeredis, eager Celery.
Environment variables switch to real servers:

- ``MEMBERAUDIT_TEST_DB=mysql`` with ``MYSQL_HOST``/``MYSQL_PORT``/``MYSQL_USER``/
  ``MYSQL_PASSWORD``/``MYSQL_DATABASE``: MariaDB/MySQL.
- ``REDIS_URL=redis://127.0.0.1:PORT``: a real Redis for the cache (db 1) and broker (db 0).
- ``CELERY_EAGER=0``: send tasks to the broker instead of running them in-process.
"""

import os

from .base import *  # noqa: F401,F403
from .base import CELERYBEAT_SCHEDULE, INSTALLED_APPS, LOGGING

ROOT_URLCONF = "testauth.urls"
WSGI_APPLICATION = "testauth.wsgi.application"
SECRET_KEY = "memberaudit-test-project-not-a-secret"
SITE_NAME = "Member Audit Test"
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [SITE_URL]
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
STATIC_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), ".static")
# Generated files (exports) go here, never into the checkout's package folders.
MEDIA_ROOT = os.environ.get(
    "MEDIA_ROOT", os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), ".media")
)

INSTALLED_APPS += [
    "eveuniverse",
    "memberaudit",
    "testauth.apps.TestAuthConfig",  # points django-esi's JWKS address at the emulated SSO
]

# --- database ---------------------------------------------------------------
if os.environ.get("MEMBERAUDIT_TEST_DB") == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("MYSQL_DATABASE", "memberaudit"),
            "USER": os.environ.get("MYSQL_USER", "root"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
            "HOST": os.environ.get("MYSQL_HOST", "127.0.0.1"),
            "PORT": os.environ.get("MYSQL_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", os.path.join(STATIC_ROOT, "..", "testauth.sqlite3")),
            "TEST": {"NAME": None},  # in-memory test database
        }
    }

# --- cache and broker -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"{REDIS_URL}/1",
        }
    }
    BROKER_URL = f"{REDIS_URL}/0"
else:
    import fakeredis

    # AA and django-esi need a redis-style cache (set(nx=), ttl, lock): fakeredis gives
    # one in-process, and testauth.fakeredis_client answers the INFO that AA's checks ask for.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
            "OPTIONS": {
                "REDIS_CLIENT_CLASS": "testauth.fakeredis_client.FakeRedisWithInfo",
                "CONNECTION_POOL_KWARGS": {"connection_class": fakeredis.FakeRedisConnection},
            },
        }
    }
    BROKER_URL = "memory://"

# --- update tasks and the broker (docs/operations.md, "Broker and workers") ---
# The CI worker check and the soak shorten these through the environment.
MEMBERAUDIT_TASKS_TIME_LIMIT = int(os.environ.get("MEMBERAUDIT_TASKS_TIME_LIMIT", "7200"))
MEMBERAUDIT_UPDATE_SPREAD_SECONDS = int(os.environ.get("MEMBERAUDIT_UPDATE_SPREAD_SECONDS", "600"))
for _ring in (1, 2, 3):
    if _minutes := os.environ.get(f"MEMBERAUDIT_UPDATE_STALE_RING_{_ring}"):
        globals()[f"MEMBERAUDIT_UPDATE_STALE_RING_{_ring}"] = int(_minutes)
CELERY_ALWAYS_EAGER = os.environ.get("CELERY_EAGER", "1") == "1"
CELERY_EAGER_PROPAGATES_EXCEPTIONS = True

CELERYBEAT_SCHEDULE["memberaudit_run_regular_updates"] = {
    "task": "memberaudit.tasks.run_regular_updates",
    "schedule": 15 * 60,  # every 15 minutes: each run queues only what is due
    "options": {"expires": 14 * 60},  # a beat that waited behind a backlog is dropped
}

# --- ESI --------------------------------------------------------------------
ESI_SSO_CLIENT_ID = "memberaudit-test"
ESI_SSO_CLIENT_SECRET = "memberaudit-test"
ESI_SSO_CALLBACK_URL = f"{SITE_URL}/sso/callback"
ESI_USER_CONTACT_EMAIL = "admin@example.com"
ESI_API_URL = os.environ.get("ESI_API_URL", "http://127.0.0.1:1/")
# EVE SSO v2 is played by the ESI emulator on the same port: logins, code exchange, token
# refresh (access tokens live 20 minutes, like production) and the JWKS that django-esi
# validates tokens with. ESI_TOKEN_VALID_DURATION stays at django-esi's production default.
ESI_SSO_BASE_URL = ESI_API_URL.rstrip("/") + "/v2/oauth"
ESI_SSO_LOGIN_URL = ESI_SSO_BASE_URL + "/authorize/"
ESI_CODE_EXCHANGE_URL = ESI_SSO_BASE_URL + "/token"
EMULATED_SSO_JWKS_URL = ESI_API_URL.rstrip("/") + "/oauth/jwks"  # set by testauth.apps
ESI_SERVER_ERROR_MAX_RETRIES = 1
# EVE's image server is played by the emulator too (stand-in images under /images/...). The
# demo (testauth.settings.demo, which imports this file) serves its placeholders from its own
# host instead (testauth.demo_images), because its pages must load nothing from another host.
if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".demo"):
    MEMBERAUDIT_EVE_IMAGE_URL = "/demo-images"
else:
    MEMBERAUDIT_EVE_IMAGE_URL = ESI_API_URL.rstrip("/") + "/images"

# --- speed and noise --------------------------------------------------------
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REGISTRATION_VERIFY_EMAIL = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["handlers"] = {"console": {"class": "logging.StreamHandler", "level": "WARNING"}}
for _logger in LOGGING.get("loggers", {}).values():
    _logger["handlers"] = ["console"]
    _logger["level"] = "WARNING"
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}

# No collectstatic manifest needed to render pages in tests and the demo.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
