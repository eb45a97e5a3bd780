"""The app-wide permission holder."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class General(models.Model):  # noqa: DJ008
    """Unmanaged model that only carries the app's permissions ("memberaudit | general")."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = (
            ("basic_access", _("Can access this app and register and view own characters")),
            ("share_characters", _("Can share his/her characters")),
            ("finder_access", _("Can access character finder feature")),
            ("reports_access", _("Can access reports feature")),
            ("characters_access", _("Can view characters owned by others")),
            ("exports_access", _("Can access data exports")),
            ("view_shared_characters", _("Can view shared characters")),
            ("view_same_corporation", _("Can view corporation characters")),
            ("view_same_alliance", _("Can view alliance characters")),
            ("view_everything", _("Can view all characters")),
            (
                "intel_access",
                _("Can access intel: watch lists, intel report, investigations, asset search and where-is"),
            ),
        )
