"""What a section is, and the context it runs in.

A section declares its name, ring, scopes, ESI operations and models, and implements two
steps: ``fetch`` (ESI calls only, no writes) and ``store`` (database writes only, run by
the engine inside one transaction). Adding a section means adding one module to
``memberaudit/sections/`` that registers a ``Section`` subclass; the engine needs no edit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.dispatch import Signal

from memberaudit.esi import gateway

if TYPE_CHECKING:
    from memberaudit.models import Character, SectionStatus


class _NotModified:
    def __repr__(self) -> str:
        return "NOT_MODIFIED"


#: returned by ``fetch`` when nothing changed since the last run
NOT_MODIFIED = _NotModified()

#: Sent inside a section's store transaction after ``store`` (or ``reset``, with ``reset=True``)
#: changed its rows, with ``section`` and ``character``. Derived data (the intel index) follows the rows here,
#: so it commits or rolls back with them and costs nothing when nothing changed.
section_stored = Signal()


@dataclasses.dataclass
class Changes:
    """What a ``store`` wrote."""

    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __add__(self, other: Changes) -> Changes:
        return Changes(
            self.created + other.created, self.updated + other.updated, self.deleted + other.deleted
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted


@dataclasses.dataclass(frozen=True)
class Counterparties:
    """Where a section's stored rows name someone the character dealt with (for intel).

    A section lists these in ``counterparties``; the intel index aggregates the rows per
    counterparty in the database (count, first and last date, ISK) and needs no code of the
    section's own.
    """

    model: type[models.Model]
    #: the field holding the counterparty's EVE id, e.g. ``first_party_id``
    field: str
    #: the date of the evidence (None: the row is current state, like a contact)
    date: str | None = None
    #: lookup from ``model`` to the character
    character: str = "character"
    #: the ISK involved (a field name or an expression, summed as absolute values)
    isk: str | Combinable | None = None
    #: a fixed kind of counterparty (``character``, ``corporation``, ...), or ...
    kind: str = ""
    #: ... a field that holds it (values outside the entity kinds, e.g. mailing lists, are skipped)
    kind_field: str | None = None
    #: the character's standing towards the counterparty (contacts)
    standing: str | None = None
    #: only rows matching this (e.g. to count one contract once when two fields name the same party)
    only: Q | None = None
    #: skip rows where this field is the character itself (e.g. the issuer's corporation of own contracts)
    unless_self: str | None = None
    #: rows are only ever added (and pruned by retention), never changed: the index then reads
    #: only the rows added since it last looked (by primary key)
    append_only: bool = False


@dataclasses.dataclass
class SyncContext:
    """Everything a section needs for one update of one character."""

    character: Character
    status: SectionStatus | None
    token: Any
    #: store even when nothing changed
    force: bool = False
    #: ignore ETags and cached answers (after a failure or when forced)
    refetch: bool = False
    expires_at: datetime | None = None
    esi_calls: int = 0
    #: set by a section to replace the state kept between runs (``SectionStatus.state``)
    new_state: dict | None = None
    #: called after every ESI call (the engine renews its lock)
    on_progress: Callable[[], Any] = lambda: None
    #: set by a section that left work for the next run (a budget ran low, a detail failed):
    #: the engine then does not wait for ESI's cache timer before the next run
    postponed: bool = False
    #: set by a section that proved itself unchanged without asking ESI: when the proof holds
    #: (a timestamp; the check is recorded at this time, not now) and why, for the result
    checked_at: float | None = None
    note: str = ""
    #: one dict for every section of one ``engine.update_sections`` call, in its run order
    #: (``tasks.run_order``): what one section read for the next ones of the same task
    shared: dict = dataclasses.field(default_factory=dict)
    #: called by the engine once what ESI answered is stored (or found equal to what is): what
    #: a section may only remember when the data it describes is in the database
    after_stored: list[Callable[[], Any]] = dataclasses.field(default_factory=list)

    @property
    def character_id(self) -> int:
        return self.character.eve_character.character_id

    def esi(
        self, operation_id: str, *, paged: bool = False, refetch: bool | None = None, **params: Any
    ) -> gateway.EsiResponse:
        """Call ESI for this character with its token; tracks the earliest cache expiry.

        ``refetch=True`` ignores ETags for this call (default: the context's ``refetch``).
        """
        params.setdefault("character_id", self.character_id)
        if params["character_id"] is None:
            params.pop("character_id")
        response = gateway.fetch(
            operation_id,
            token=self.token,
            owner_id=self.character_id,
            paged=paged,
            force=self.refetch if refetch is None else refetch,
            **params,
        )
        self._count(response)
        return response

    def _count(self, response: gateway.EsiResponse) -> None:
        """Count the call, renew the lock and keep the earliest cache expiry of the run."""
        self.esi_calls += 1
        self.on_progress()
        if response.expires_at and (self.expires_at is None or response.expires_at < self.expires_at):
            self.expires_at = response.expires_at

    def esi_public(
        self, operation_id: str, *, paged: bool = False, refetch: bool | None = None, **params: Any
    ) -> gateway.EsiResponse:
        """Call a public ESI route (no token)."""
        response = gateway.fetch(
            operation_id,
            owner_id=self.character_id,
            paged=paged,
            force=self.refetch if refetch is None else refetch,
            **params,
        )
        self._count(response)
        return response

    @property
    def state(self) -> dict:
        return self.status.state if self.status else {}


class Section:
    """Base class of all sections. Subclasses set the class attributes and implement the steps."""

    name: ClassVar[str]
    title: ClassVar[Any]  # lazy translated string
    ring: ClassVar[int] = 2
    scopes: ClassVar[tuple[str, ...]] = ()
    operations: ClassVar[tuple[str, ...]] = ()
    #: models holding this section's rows, each with a ``character`` FK (deleted by reset)
    models: ClassVar[tuple[type[models.Model], ...]] = ()
    #: (model, datetime field) pairs pruned by MEMBERAUDIT_DATA_RETENTION_LIMIT
    retention: ClassVar[tuple[tuple[type[models.Model], str], ...]] = ()
    #: one sentence for the docs: where the data comes from and what users see
    description: ClassVar[str] = ""
    #: sections computed from this one's data, queued after it changed (e.g. skill sets)
    triggers: ClassVar[tuple[str, ...]] = ()
    #: sections whose data this one reads while it updates: they run first when both are due
    reads: ClassVar[tuple[str, ...]] = ()
    #: where this section's rows name counterparties of the character (the intel index)
    counterparties: ClassVar[tuple[Counterparties, ...]] = ()

    #: for the default ``fetch``: the operation is paged (ESI's ``X-Pages``)
    paged: ClassVar[bool] = False
    #: for the default ``fetch``: extra query parameters of the operation
    params: ClassVar[dict[str, Any]] = {}

    def fetch(self, ctx: SyncContext) -> Any:
        """Ask ESI; return a JSON-like payload or ``NOT_MODIFIED``. No database writes here.

        The default serves sections with exactly one operation: a route with scopes is called
        with the character's token, a public one without.
        """
        if len(self.operations) != 1:
            raise NotImplementedError(f"{self.name}: sections with several operations implement fetch()")
        if self.scopes:
            response = ctx.esi(self.operations[0], paged=self.paged, **self.params)
        else:
            response = ctx.esi_public(
                self.operations[0], paged=self.paged, character_id=ctx.character_id, **self.params
            )
        return NOT_MODIFIED if response.not_modified else response.data

    def store(self, ctx: SyncContext, payload: Any) -> Changes:
        """Write ``payload``; runs inside one transaction. Must not delete on partial data."""
        raise NotImplementedError

    def store_passes(self, ctx: SyncContext, payload: Any) -> list[Callable[[], Changes]]:
        """The store step split into passes, each run in its own transaction.

        The default is one pass. The last pass runs in the same transaction as the status
        update, so a section only counts as updated when all passes went through. The default
        also sends ``section_stored`` when the pass changed rows; a section that splits its
        store into passes sends it from its last pass if it has ``counterparties``.
        """
        return [lambda: self._store_and_announce(ctx, payload)]

    def _store_and_announce(self, ctx: SyncContext, payload: Any) -> Changes:
        changes = self.store(ctx, payload)
        if changes.total:
            section_stored.send(sender=type(self), section=self, character=ctx.character)
        return changes

    def reset(self, character: Character) -> int:
        """Delete everything this section stored for ``character``."""
        deleted = 0
        for model in self.models:
            deleted += model.objects.filter(character=character).delete()[0]
        if deleted:
            section_stored.send(sender=type(self), section=self, character=character, reset=True)
        return deleted

    def related_ids(self, payload: Any) -> dict[str, set[int]]:
        """EVE ids this payload refers to, for the resolver: keys 'types', 'entities', 'locations'."""
        return {}

    def __repr__(self) -> str:
        return f"<Section {self.name}>"


def unchanged_parts(*responses: gateway.EsiResponse) -> bool:
    """True when every response is a 304."""
    return all(response.not_modified for response in responses)


def ids(values: Iterable[Any]) -> set[int]:
    """The non-empty integer ids among ``values``."""
    return {int(v) for v in values if v}
