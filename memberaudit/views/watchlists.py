"""Watch list pages: create, edit, fill (by name or id, CSV, contacts), subscribe, delete.

Watch lists are shared by everybody with ``intel_access``; they name EVE entities, not
members, so they show nothing about characters. A list can follow the negative contacts of
one of the editor's *own* characters (never somebody else's: the list would reveal them).
Every change is a POST with CSRF; the flows are in ``memberaudit.intel.watchlists``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from memberaudit import access
from memberaudit.intel import watchlists
from memberaudit.models import WatchList, WatchListEntry

from .intel import intel_view, page_context

#: CSV uploads larger than this are refused (a list of 5,000 rows is far smaller)
MAX_CSV_BYTES = 1_000_000


class WatchListForm(forms.ModelForm):
    """Name, description and the standing threshold of the contacts sync."""

    class Meta:
        model = WatchList
        fields = ("name", "description", "contacts_max_standing")
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class CsvImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


def _watch_list(request: HttpRequest, list_pk: int) -> WatchList | None:
    return WatchList.objects.select_related("contacts_source__eve_character").filter(pk=list_pk).first()


def _not_found(request: HttpRequest) -> HttpResponse:
    return access.not_found_response(request, _("This watch list does not exist."))


@require_http_methods(["GET", "POST"])
@intel_view
def watch_lists(request: HttpRequest) -> HttpResponse:
    """All watch lists; POST creates one."""
    form = WatchListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        watch_list = form.save(commit=False)
        watch_list.created_by = request.user
        watch_list.save()
        messages.success(request, _("Watch list %(name)s created.") % {"name": watch_list.name})
        return redirect("memberaudit:intel_watch_list", list_pk=watch_list.pk)
    subscribed = WatchList.subscribers.through.objects.filter(
        watchlist_id=OuterRef("pk"), user_id=request.user.pk
    )
    lists = WatchList.objects.annotate(
        entry_count=Count("entries"), is_subscribed=Exists(subscribed)
    ).order_by("name")
    return render(
        request, "memberaudit/intel_watch_lists.html", page_context("watch_lists", lists=lists, form=form)
    )


@require_http_methods(["GET", "POST"])
@intel_view
def watch_list(request: HttpRequest, list_pk: int) -> HttpResponse:
    """One list with its entries; POST saves name, description and threshold."""
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    form = WatchListForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        if current.contacts_source_id:
            watchlists.sync_from_contacts(current)
        messages.success(request, _("Watch list saved."))
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    source = current.contacts_source
    context = page_context(
        "watch_lists",
        watch_list=current,
        form=form,
        entries=current.entries.select_related("added_by__profile__main_character").order_by(
            "name", "entity_id"
        ),
        is_subscribed=current.subscribers.filter(pk=request.user.pk).exists(),
        own_characters=access.owned_characters(request.user)
        .select_related("eve_character")
        .order_by("eve_character__character_name"),
        source_visible=bool(source and access.can_view_character(request.user, source)),
        candidates=_pending_candidates(request, current),
    )
    return render(request, "memberaudit/intel_watch_list.html", context)


def _pending_candidates(request: HttpRequest, current: WatchList) -> list[dict]:
    """Entities an ambiguous name matched (kept in the session by ``watch_list_add``)."""
    pending = request.session.pop("memberaudit_watch_candidates", None)
    if not pending or pending.get("list") != current.pk:
        return []
    return [
        {"id": entity_id, "kind": kind, "name": name, "reason": pending.get("reason", "")}
        for entity_id, kind, name in pending.get("candidates", [])
    ]


@require_POST
@intel_view
def watch_list_delete(request: HttpRequest, list_pk: int) -> HttpResponse:
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    name = current.name
    current.delete()
    messages.success(request, _("Watch list %(name)s deleted.") % {"name": name})
    return redirect("memberaudit:intel_watch_lists")


@require_POST
@intel_view
def watch_list_add(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Add an entity by exact name or id (looked up in ESI); several matches: pick one."""
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    text = str(request.POST.get("q", ""))[:100].strip()
    reason = str(request.POST.get("reason", ""))[:2000].strip()
    try:
        found = watchlists.find(text)
    except watchlists.LookupFailed:
        messages.error(request, _("ESI could not be asked right now. Please try again in a few minutes."))
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    if not found:
        messages.error(
            request, _("No character, corporation, alliance or faction is called %(name)s.") % {"name": text}
        )
    elif len(found) > 1:
        messages.warning(request, _("%(name)s names several entities: choose one.") % {"name": text})
        request.session["memberaudit_watch_candidates"] = {
            "list": current.pk,
            "reason": reason,
            "candidates": [[e.id, e.kind, e.name] for e in found],
        }
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    else:
        entry, created = watchlists.add_entry(current, found[0], reason=reason, user=request.user)
        if created:
            messages.success(request, _("%(name)s added.") % {"name": entry.name or entry.entity_id})
        else:
            messages.info(
                request, _("%(name)s is already on the list.") % {"name": entry.name or entry.entity_id}
            )
    return redirect("memberaudit:intel_watch_list", list_pk=current.pk)


@require_POST
@intel_view
def watch_list_import(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Import a CSV file: every row or none; the problems are listed."""
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    form = CsvImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose a CSV file."))
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_CSV_BYTES:
        messages.error(request, _("The file is too large."))
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    text = upload.read().decode("utf-8-sig", errors="replace")
    try:
        result = watchlists.import_csv(current, text, request.user)
    except watchlists.LookupFailed:
        messages.error(request, _("ESI could not be asked right now. Please try again in a few minutes."))
        return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
    if result.problems:
        messages.error(
            request,
            _("Nothing was imported. Please fix these rows: %(problems)s")
            % {"problems": "; ".join(watchlists.describe(p) for p in result.problems[:20])},
        )
    else:
        messages.success(
            request,
            _("Imported: %(created)d added, %(updated)d updated.")
            % {"created": result.created, "updated": result.updated},
        )
    return redirect("memberaudit:intel_watch_list", list_pk=current.pk)


@require_POST
@intel_view
def watch_list_remove_entry(request: HttpRequest, list_pk: int, entry_pk: int) -> HttpResponse:
    deleted, _rows = WatchListEntry.objects.filter(watch_list_id=list_pk, pk=entry_pk).delete()
    if not deleted:
        return _not_found(request)
    messages.success(request, _("Entry removed."))
    return redirect("memberaudit:intel_watch_list", list_pk=list_pk)


@require_POST
@intel_view
def watch_list_subscribe(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Subscribe (``subscribe=1``) to notifications about new hits, or unsubscribe."""
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    if request.POST.get("subscribe") == "1":
        current.subscribers.add(request.user)
        messages.success(
            request, _("You will be notified about new hits on %(name)s.") % {"name": current.name}
        )
    else:
        current.subscribers.remove(request.user)
        messages.success(
            request, _("You will no longer be notified about %(name)s.") % {"name": current.name}
        )
    return redirect("memberaudit:intel_watch_list", list_pk=current.pk)


@require_POST
@intel_view
def watch_list_sync(request: HttpRequest, list_pk: int) -> HttpResponse:
    """Follow the negative contacts of one of the user's own characters (``character`` pk), or
    stop following (empty ``character``); syncs at once."""
    current = _watch_list(request, list_pk)
    if current is None:
        return _not_found(request)
    raw = str(request.POST.get("character", "")).strip()
    if raw:
        character = access.owned_characters(request.user).filter(pk=int(raw) if raw.isdigit() else 0).first()
        if character is None:
            messages.error(request, _("Please choose one of your own characters."))
            return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
        current.contacts_source = character
        current.save(update_fields=["contacts_source"])
        result = watchlists.sync_from_contacts(current)
        messages.success(
            request,
            _("Synced from the contacts: %(added)d added, %(removed)d removed.")
            % {"added": result.added, "removed": result.removed},
        )
    else:
        current.contacts_source = None
        current.save(update_fields=["contacts_source"])
        result = watchlists.sync_from_contacts(current)
        messages.success(
            request,
            _("The list no longer follows contacts: %(removed)d synced entries removed.")
            % {"removed": result.removed},
        )
    return redirect("memberaudit:intel_watch_list", list_pk=current.pk)
