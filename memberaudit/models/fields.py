"""Field helpers shared by the domain models."""

from __future__ import annotations

from django.db import models

from eveuniverse.models import EveEntity, EveSolarSystem, EveType


def type_fk(**kwargs) -> models.ForeignKey:
    """An EVE type by id; no database constraint, so syncs never wait for static data."""
    kwargs.setdefault("null", True)
    return models.ForeignKey(
        EveType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **kwargs
    )


def entity_fk(**kwargs) -> models.ForeignKey:
    """A character, corporation, alliance or faction by id (names resolved later)."""
    kwargs.setdefault("null", True)
    kwargs.setdefault("default", None)
    return models.ForeignKey(
        EveEntity, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **kwargs
    )


def solar_system_fk(**kwargs) -> models.ForeignKey:
    kwargs.setdefault("null", True)
    kwargs.setdefault("default", None)
    return models.ForeignKey(
        EveSolarSystem, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **kwargs
    )


def location_fk(**kwargs) -> models.ForeignKey:
    """A station, structure or solar system (``Location``) by id."""
    kwargs.setdefault("null", True)
    kwargs.setdefault("default", None)
    return models.ForeignKey(
        "memberaudit.Location", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **kwargs
    )


def isk(**kwargs) -> models.DecimalField:
    """An ISK amount (ESI gives 2 decimals; balances reach 10^13)."""
    kwargs.setdefault("null", True)
    kwargs.setdefault("default", None)
    return models.DecimalField(max_digits=20, decimal_places=2, **kwargs)
