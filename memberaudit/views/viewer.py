"""The character viewer: an overview and a tab per section, with its data endpoints.

Every page and endpoint here fetches its character through ``viewable_character`` (that is,
``memberaudit.access``) and answers ``access.not_found_response`` when it may not be seen.
What a tab shows is declared in ``memberaudit.views.tabs``; tables are served by
``memberaudit.views.tables``.
"""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from memberaudit import access, app_settings, health
from memberaudit.core import formatting
from memberaudit.models import Character, SectionStatus
from memberaudit.sections import heartbeats, registry
from memberaudit.views import tables, tabs
from memberaudit.views.tabs import cells
from memberaudit.views.tabs.presence import OVERVIEW_RELATED, overview

#: DataTables' own texts, translated here (DataTables renders them as HTML)
DATATABLES_LANGUAGE = {
    "emptyTable": _("No data"),
    "info": _("_START_ to _END_ of _TOTAL_"),
    "infoEmpty": _("0 entries"),
    "infoFiltered": _("(filtered from _MAX_)"),
    "lengthMenu": _("_MENU_ per page"),
    "loadingRecords": _("Loading…"),
    "processing": _("Loading…"),
    "search": _("Search:"),
    "zeroRecords": _("Nothing found"),
}


def viewable_character(request: HttpRequest, character_pk: int, *related: str) -> Character | None:
    """The character if the requester may open it, else None (the view answers 404).

    Every tab page and data endpoint fetches its character through this function; ``related``
    adds what a page reads from the same row (``select_related``).
    """
    found = (
        access.accessible_characters(request.user)
        .select_related(
            "eve_character__character_ownership__user__profile__main_character",
            *related,
        )
        .filter(pk=character_pk)
    )
    # a slice, not first(): one row at most, and first()'s ORDER BY over a dozen joins costs
    # more CPU than the rest of the query
    return next(iter(found[:1]), None)


def _marker_state(status: SectionStatus | None) -> str:
    """The problem a section's tab shows: "token", "error", or "" for none."""
    if status is None:
        return ""
    if status.is_token_error:
        return "token"
    if status.error_message:
        return "error"
    return ""


_MARKER_ICONS = {
    "token": ("fa-key text-danger", _("Token broken")),
    "error": ("fa-triangle-exclamation text-warning", _("Error")),
}


def _marker_html(state: str) -> str:
    """The icon a tab shows for a problem (in up to three places: menu, tab row, group)."""
    if not state:
        return ""
    icon, label = _MARKER_ICONS[state]
    label = escape(str(label))
    return f' <i class="fa-solid {icon}" title="{label}" aria-label="{label}"></i>'


# Placeholders for the start and the end of a tab's URL in the cached tab lists (control
# characters: they cannot occur in titles or markup); filled per request by _tab_nav.
_URL_HEAD, _URL_TAIL = "\x00", "\x01"


@functools.lru_cache(maxsize=64)
def _nav_markup(
    language: str | None, sections: tuple[str, ...], markers: tuple[tuple[str, str], ...]
) -> dict[str, str]:
    """The three lists of tabs (the phone menu's options, the tab row, the lazy panes) as HTML,
    for one language, one set of registered sections and one set of problem markers (the
    arguments are the cache key: ``sections`` only tells one registry from another).

    The same for every character but for its URLs, so it is built once per process and key
    (titles translated, escaped and joined) rather than per page. Names are identifiers; titles
    are escaped. The markup is Bootstrap's tabs; viewer_tabs.js relies on its ids.
    """
    marker_of = {name: _marker_html(state) for name, state in markers}
    loading = escape(_("Loading…"))
    options, row, panes = [], [], []
    for group in tabs.tab_groups():
        group_tabs = [(s.name, escape(s.title), marker_of.get(s.name, "")) for s in group.sections]
        group_title = escape(group.title)
        buttons = [
            f'id="ma-tab-{name}-tab" data-bs-toggle="tab" data-bs-target="#ma-tab-{name}" type="button"'
            f' role="tab" aria-controls="ma-tab-{name}" aria-selected="false">{title}{marker}</button>'
            for name, title, marker in group_tabs
        ]
        options.append(
            f'<optgroup label="{group_title}">'
            + "".join(f'<option value="ma-tab-{name}">{title}</option>' for name, title, _m in group_tabs)
            + "</optgroup>"
        )
        if len(group_tabs) == 1:
            row.append(f'<li class="nav-item" role="presentation"><button class="nav-link" {buttons[0]}</li>')
        else:
            domain = group.domain
            markers_html = "".join(marker for _n, _t, marker in group_tabs)
            items = "".join(f'<li><button class="dropdown-item" {button}</li>' for button in buttons)
            row.append(
                '<li class="nav-item dropdown" role="presentation"><button class="nav-link dropdown-toggle"'
                f' data-bs-toggle="dropdown" type="button" aria-expanded="false" id="ma-tab-group-{domain}">'
                f'{group_title}{markers_html}</button><ul class="dropdown-menu" aria-labelledby="ma-tab-group-{domain}">'
                f"{items}</ul></li>"
            )
        panes.extend(
            f'<div class="tab-pane fade" id="ma-tab-{name}" role="tabpanel" aria-labelledby="ma-tab-{name}-tab"'
            f' data-ma-tab-url="{_URL_HEAD}{name}{_URL_TAIL}"><div class="text-body-secondary py-3 ma-tab-loading">'
            f'<span class="spinner-border spinner-border-sm" aria-hidden="true"></span> {loading}</div></div>'
            for name, _title, _marker in group_tabs
        )
    return {"options": "".join(options), "row": "".join(row), "panes": "".join(panes)}


def _tab_nav(character: Character, statuses: dict[str, SectionStatus]) -> dict[str, SafeString]:
    """The tab lists of ``character`` (see ``_nav_markup``), with its problem markers and URLs."""
    markers = tuple(
        (name, state) for name, status in sorted(statuses.items()) if (state := _marker_state(status))
    )
    markup = _nav_markup(get_language(), tuple(registry.names()), markers)
    # one reverse for all tabs: section names are identifiers, safe in a path
    head, _sep, tail = reverse("memberaudit:character_tab", args=[character.pk, "__section__"]).partition(
        "__section__"
    )
    return {
        key: mark_safe(html.replace(_URL_HEAD, head).replace(_URL_TAIL, tail)) for key, html in markup.items()
    }


_STATUS_BADGES = {
    "token": ("text-bg-danger", _("Token broken")),
    "error": ("text-bg-warning", _("Error")),
    "ok": ("text-bg-success", _("OK")),
    "never": ("text-bg-secondary", _("Never updated")),
}


@functools.lru_cache(maxsize=16)
def _status_labels(language: str | None, sections: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """The sections' titles (escaped) and the state badges as HTML, once per language."""
    titles = {section.name: escape(str(section.title)) for section in registry.all_sections()}
    badges = {
        state: f'<span class="badge {css}">{escape(str(label))}</span>'
        for state, (css, label) in _STATUS_BADGES.items()
    }
    return titles, badges


def _status_rows(section_statuses: list[SectionStatus]) -> SafeString:
    """The rows of the overview's update-status table as HTML (34 rows x 5 cells, the largest
    part of the page: cheaper formatted here than through template loops and filters)."""
    titles, badges = _status_labels(get_language(), tuple(registry.names()))
    rows, now = [], timezone.now()
    for status in section_statuses:
        state = _marker_state(status) or ("ok" if status.last_success_at else "never")
        # the section's name as people read it, not its identifier
        title = titles.get(status.section) or escape(formatting.humanize_identifier(status.section))
        checked = tables.moment_html(status.checked_at, now) or "—"
        changed = tables.moment_html(status.last_change_at, now) or "—"
        rows.append(
            f'<tr><td>{title}</td><td>{badges[state]}</td><td class="text-nowrap">{checked}</td>'
            f'<td class="text-nowrap">{changed}</td><td class="small">{escape(status.error_message or "")}</td></tr>'
        )
    return mark_safe("".join(rows))


def _switcher(request: HttpRequest, character: Character, main_pk: int | None) -> list[dict]:
    """The owner's other characters the requester may open (access.py decides), main first."""
    siblings = access.sibling_characters(request.user, character).values_list(
        "pk", "eve_character_id", "eve_character__character_id", "eve_character__character_name"
    )
    entries = [
        {
            "name": name,
            "url": reverse("memberaudit:character_viewer", args=[pk]),
            "portrait": cells.image_url("portrait", character_id, 32),
            "is_main": eve_character_pk == main_pk,
        }
        for pk, eve_character_pk, character_id, name in siblings
    ]
    return sorted(entries, key=lambda entry: not entry["is_main"])


@require_GET
@access.basic_access_required
def character_viewer(request: HttpRequest, character_pk: int) -> HttpResponse:
    """Overview of one character, and a tab per section (loaded when first opened)."""
    character = viewable_character(request, character_pk, *OVERVIEW_RELATED)
    if character is None:
        return access.not_found_response(request)
    owner = character.user
    main = owner.profile.main_character if owner else None
    # what the page shows of a status (not its sync state, a JSON document per section)
    section_statuses = list(character.section_statuses.defer("state", "content_hash").order_by("section"))
    heartbeats.attach_check_times(section_statuses)  # checks newer than the database knows
    statuses = {status.section: status for status in section_statuses}
    eve_character = character.eve_character
    context = {
        "app_title": app_settings.get("MEMBERAUDIT_APP_NAME"),
        "character": character,
        "eve_character": character.eve_character,
        "owner_main": main,
        "is_main": bool(main and main.pk == character.eve_character_id),
        "is_own": owner is not None and owner.pk == request.user.pk,
        "status_rows": _status_rows(section_statuses),
        "tab_nav": _tab_nav(character, statuses),
        "switcher": _switcher(request, character, main.pk if main else None),
        "entity_links": cells.entity_links(eve_character),
        "images": {
            "portrait": cells.image_url("portrait", eve_character.character_id, 128),
            "corporation": cells.image_url("corporation", eve_character.corporation_id, 64),
            "alliance": cells.image_url("alliance", eve_character.alliance_id, 64),
        },
        # the one definition of "healthy", over the statuses loaded above
        "health": health.health_of_loaded(character, section_statuses),
        "overview": overview(character),
        "datatables_language": {key: str(value) for key, value in DATATABLES_LANGUAGE.items()},
    }
    return render(request, "memberaudit/character_viewer.html", context)


@require_GET
@access.basic_access_required
def character_tab(request: HttpRequest, character_pk: int, section: str) -> HttpResponse:
    """One section's tab (an HTML fragment): its update status, its data and its tables."""
    character = viewable_character(request, character_pk)
    if character is None:
        return access.not_found_response(request)
    try:
        section_obj = registry.get(section)
    except KeyError:
        return access.not_found_response(request)
    status = next(iter(SectionStatus.objects.filter(character=character, section=section)[:1]), None)
    heartbeats.attach_check_times([status])
    context = {
        "character": character,
        "section": section_obj,
        "status": status,
        "tables": [
            {"spec": table, "url": reverse("memberaudit:character_table", args=[character.pk, table.name])}
            for table in tabs.tables_of(section)
        ],
        "tab_template": select_template(
            [f"memberaudit/tabs/{section}.html", "memberaudit/tabs/_default.html"]
        ),
        **tabs.context_for(section, character),
    }
    return render(request, "memberaudit/partials/viewer_tab.html", context)


@never_cache
@require_GET
@access.basic_access_required
def character_table(request: HttpRequest, character_pk: int, table: str) -> HttpResponse:
    """Rows of one table in the DataTables server-side protocol (JSON, every cell escaped)."""
    character = viewable_character(request, character_pk)
    spec = tabs.get_table(table)
    if character is None or spec is None:
        return access.not_found_response(request)
    return JsonResponse(tables.serve(spec, character, request.GET))


@require_GET
@access.basic_access_required
def character_detail(request: HttpRequest, character_pk: int, kind: str, pk: int) -> HttpResponse:
    """One object of a character (a mail, a contract, ...) as an HTML fragment for a dialog."""
    character = viewable_character(request, character_pk)
    found = tabs.get_detail(kind)
    if character is None or found is None:
        return access.not_found_response(request)
    template, load = found
    context = load(character, pk)
    if context is None:
        return access.not_found_response(request)
    return render(request, template, {"character": character, **context})


@never_cache
@require_GET
@access.basic_access_required
def character_chart(request: HttpRequest, character_pk: int, chart: str) -> HttpResponse:
    """Data of one plot as a Chart.js configuration (JSON)."""
    character = viewable_character(request, character_pk)
    make = tabs.get_chart(chart)
    if character is None or make is None:
        return access.not_found_response(request)
    return JsonResponse(make(character))
