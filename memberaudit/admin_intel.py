"""Django admin of watch lists (with their entries inline) and the intel index (read only).

Watch lists can be edited here as on the intel pages; entries added here are recorded as
added by hand by the admin. The interaction index and counterparty affiliations are derived
data: the admin shows them for support, but nobody edits them.

Registered when imported: ``memberaudit/admin.py`` imports this module.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberaudit.intel import watchlists
from memberaudit.models import CharacterInteraction, CounterpartyAffiliation, WatchList, WatchListEntry


class WatchListEntryInline(admin.TabularInline):
    model = WatchListEntry
    extra = 0
    fields = ("entity_id", "kind", "name", "reason", "source", "added_by", "added_at")
    readonly_fields = ("added_by", "added_at")


@admin.register(WatchList)
class WatchListAdmin(admin.ModelAdmin):
    list_display = ("name", "entry_count", "contacts_source", "contacts_synced_at")
    search_fields = ("name", "description")
    autocomplete_fields = ()
    raw_id_fields = ("contacts_source", "created_by")
    filter_horizontal = ("subscribers",)
    inlines = (WatchListEntryInline,)
    actions = ("sync_contacts",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("contacts_source__eve_character")
            .annotate(entry_count=Count("entries"))
        )

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj: WatchList) -> int:
        return obj.entry_count

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for entry in formset.save(commit=False):
            if entry.added_by_id is None:
                entry.added_by = request.user
            entry.save()
        for entry in formset.deleted_objects:
            entry.delete()

    @admin.action(description=_("Sync from the source character's contacts"))
    def sync_contacts(self, request: HttpRequest, queryset: QuerySet) -> None:
        lists = list(queryset.filter(contacts_source__isnull=False))
        for watch_list in lists:
            watchlists.sync_from_contacts(watch_list)
        messages.success(
            request,
            ngettext("%(count)d watch list synced.", "%(count)d watch lists synced.", len(lists))
            % {"count": len(lists)},
        )


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CharacterInteraction)
class CharacterInteractionAdmin(_ReadOnlyAdmin):
    list_display = ("character", "source", "counterparty_id", "kind", "count", "isk", "last_seen")
    list_filter = ("source", "kind")
    search_fields = ("character__eve_character__character_name", "=counterparty__id")
    list_select_related = ("character__eve_character",)
    show_full_result_count = False


@admin.register(CounterpartyAffiliation)
class CounterpartyAffiliationAdmin(_ReadOnlyAdmin):
    list_display = ("entity_id", "corporation_id", "alliance_id", "faction_id", "checked_at")
    search_fields = ("=entity_id", "=corporation_id", "=alliance_id")
    show_full_result_count = False
