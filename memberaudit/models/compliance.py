"""Groups that compliant users get automatically (see ``memberaudit.compliance``)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplianceGroupDesignation(models.Model):
    """An Alliance Auth group given to every compliant user, and taken from the others."""

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, related_name="memberaudit_compliance", verbose_name=_("group")
    )

    class Meta:
        default_permissions = ()
        verbose_name = _("compliance group")
        verbose_name_plural = _("compliance groups")

    def __str__(self) -> str:
        return str(self.group)
