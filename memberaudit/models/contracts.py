"""Contracts of characters with their items and auction bids (kept as history)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .characters import Character
from .fields import entity_fk, isk, location_fk, type_fk


class CharacterContract(models.Model):
    """A contract the character issued, accepted or was assigned; updated in place, never
    deleted because ESI stopped listing it (only by data retention)."""

    class ContractType(models.TextChoices):
        UNKNOWN = "unknown", _("unknown")
        ITEM_EXCHANGE = "item_exchange", _("item exchange")
        AUCTION = "auction", _("auction")
        COURIER = "courier", _("courier")
        LOAN = "loan", _("loan")

    class Status(models.TextChoices):
        OUTSTANDING = "outstanding", _("outstanding")
        IN_PROGRESS = "in_progress", _("in progress")
        FINISHED_ISSUER = "finished_issuer", _("finished (issuer)")
        FINISHED_CONTRACTOR = "finished_contractor", _("finished (contractor)")
        FINISHED = "finished", _("finished")
        CANCELLED = "cancelled", _("cancelled")
        REJECTED = "rejected", _("rejected")
        FAILED = "failed", _("failed")
        DELETED = "deleted", _("deleted")
        REVERSED = "reversed", _("reversed")

    class Availability(models.TextChoices):
        PUBLIC = "public", _("public")
        PERSONAL = "personal", _("private")
        CORPORATION = "corporation", _("corporation")
        ALLIANCE = "alliance", _("alliance")

    id = models.BigAutoField(primary_key=True)
    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="contracts")
    contract_id = models.BigIntegerField()
    contract_type = models.CharField(max_length=32, choices=ContractType.choices)
    status = models.CharField(max_length=32, choices=Status.choices)
    availability = models.CharField(max_length=32, choices=Availability.choices)
    for_corporation = models.BooleanField(default=False)
    title = models.TextField(blank=True, default="", help_text=_("as the issuer wrote it (raw user text)"))
    issuer = entity_fk()
    issuer_corporation = entity_fk()
    assignee = entity_fk()
    acceptor = entity_fk()
    start_location = location_fk()
    end_location = location_fk()
    price = isk()
    reward = isk()
    collateral = isk()
    buyout = isk()
    volume = models.FloatField(null=True, default=None, help_text=_("m3"))
    days_to_complete = models.PositiveIntegerField(null=True, default=None)
    date_issued = models.DateTimeField()
    date_expired = models.DateTimeField()
    date_accepted = models.DateTimeField(null=True, default=None)
    date_completed = models.DateTimeField(null=True, default=None)
    #: items were fetched (or ESI no longer had them): they are never asked for again
    items_loaded = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()
        verbose_name = _("contract")
        constraints = [
            models.UniqueConstraint(fields=["character", "contract_id"], name="ma_contract_unique")
        ]
        indexes = [
            models.Index(fields=["character", "-date_issued"], name="ma_contract_char_date"),
            models.Index(fields=["character", "status"], name="ma_contract_char_status"),
        ]

    def __str__(self) -> str:
        return f"{self.character}: contract {self.contract_id}"


class CharacterContractItem(models.Model):
    """An item offered (``is_included``) or asked for in an item exchange or auction."""

    id = models.BigAutoField(primary_key=True)
    contract = models.ForeignKey(CharacterContract, on_delete=models.CASCADE, related_name="items")
    record_id = models.BigIntegerField()
    eve_type = type_fk()
    quantity = models.BigIntegerField()
    raw_quantity = models.BigIntegerField(
        null=True, default=None, help_text=_("-1 singleton, -2 blueprint copy (ESI's convention)")
    )
    is_singleton = models.BooleanField()
    is_included = models.BooleanField()

    class Meta:
        default_permissions = ()
        verbose_name = _("contract item")
        constraints = [
            models.UniqueConstraint(fields=["contract", "record_id"], name="ma_contract_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.record_id}"

    @property
    def is_blueprint_copy(self) -> bool:
        return self.raw_quantity == -2


class CharacterContractBid(models.Model):
    """A bid on an auction."""

    id = models.BigAutoField(primary_key=True)
    contract = models.ForeignKey(CharacterContract, on_delete=models.CASCADE, related_name="bids")
    bid_id = models.BigIntegerField()
    bidder = entity_fk()
    date_bid = models.DateTimeField()
    amount = isk()

    class Meta:
        default_permissions = ()
        verbose_name = _("contract bid")
        constraints = [models.UniqueConstraint(fields=["contract", "bid_id"], name="ma_contract_bid_unique")]

    def __str__(self) -> str:
        return f"{self.contract_id}: bid {self.bid_id}"
