"""Assets: every item a character owns, with nesting (containers, ships) and names."""

from __future__ import annotations

from django.db import models

from .characters import Character
from .fields import location_fk, type_fk


class CharacterAsset(models.Model):
    """One item. Root items sit in a ``location``; nested items name their ``parent_item_id``."""

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="assets")
    item_id = models.BigIntegerField()
    parent_item_id = models.BigIntegerField(null=True, default=None)
    location = location_fk()
    location_flag = models.CharField(max_length=64)
    location_type = models.CharField(max_length=16)
    eve_type = type_fk()
    quantity = models.BigIntegerField()
    is_singleton = models.BooleanField()
    is_blueprint_copy = models.BooleanField(null=True, default=None)
    name = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["character", "item_id"], name="ma_asset_unique")]
        indexes = [
            models.Index(fields=["character", "parent_item_id"], name="ma_asset_char_parent"),
            models.Index(fields=["character", "location"], name="ma_asset_char_location"),
        ]

    def __str__(self) -> str:
        return f"{self.character}: {self.item_id}"
