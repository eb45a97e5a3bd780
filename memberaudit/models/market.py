"""Market orders of characters: the open ones and the history of closed ones."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import isk, location_fk, type_fk


class MarketOrderFields(models.Model):
    """What open and closed orders have in common."""

    id = models.BigAutoField(primary_key=True)
    order_id = models.BigIntegerField()
    eve_type = type_fk()
    region_id = models.BigIntegerField()
    location = location_fk()
    is_buy_order = models.BooleanField(default=False)
    is_corporation = models.BooleanField(default=False)
    price = isk()
    volume_total = models.BigIntegerField()
    volume_remain = models.BigIntegerField()
    min_volume = models.BigIntegerField(null=True, default=None)
    range = models.CharField(max_length=16)
    duration = models.PositiveIntegerField(help_text=_("days"))
    escrow = isk()
    issued = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.character}: order {self.order_id}"


class CharacterMarketOrder(MarketOrderFields):
    """An open order (ESI's current list; replaced on every update)."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="market_orders")

    class Meta:
        default_permissions = ()
        verbose_name = _("market order")
        constraints = [
            models.UniqueConstraint(fields=["character", "order_id"], name="ma_market_order_unique")
        ]
        indexes = [models.Index(fields=["character", "-issued"], name="ma_market_order_char_date")]


class CharacterMarketOrderHistory(MarketOrderFields):
    """A cancelled or expired order (ESI shows 90 days; kept as history)."""

    class State(models.TextChoices):
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="market_order_history")
    state = models.CharField(max_length=16, choices=State.choices)

    class Meta:
        default_permissions = ()
        verbose_name = _("closed market order")
        constraints = [
            models.UniqueConstraint(fields=["character", "order_id"], name="ma_market_history_unique")
        ]
        indexes = [models.Index(fields=["character", "-issued"], name="ma_market_history_char_date")]
