"""The test project's app: points django-esi's JWKS address at the emulated EVE SSO.

django-esi keeps the JWKS address as a module constant (``esi.app_settings``) rather than a
setting, so the test and demo projects set it here, once Django is loaded, from
``EMULATED_SSO_JWKS_URL``. The plugin itself never touches it.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class TestAuthConfig(AppConfig):
    name = "testauth"
    label = "testauth"

    def ready(self) -> None:
        from esi import app_settings as esi_settings

        jwks_url = getattr(settings, "EMULATED_SSO_JWKS_URL", "")
        if jwks_url:
            esi_settings.ESI_TOKEN_JWK_SET_URL = jwks_url
