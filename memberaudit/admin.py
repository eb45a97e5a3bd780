"""Django admin of Member Audit: characters, section statuses and locations.

List pages keep a constant number of queries however many rows they show: related objects
come with ``list_select_related`` and the update health of each character is computed by
subqueries inside the list query itself.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from memberaudit import health, tasks
from memberaudit.models import Character, Location, SectionStatus
from memberaudit.models.characters import checked_at_expression
from memberaudit.sections import heartbeats, registry

# --- update health ------------------------------------------------------------------------------

HEALTH_OK = "ok"
HEALTH_ERROR = "error"
HEALTH_TOKEN_ERROR = "token_error"
HEALTH_NEVER = "never_updated"

HEALTH_LABELS = {
    HEALTH_OK: _("OK"),
    HEALTH_ERROR: _("Errors"),
    HEALTH_TOKEN_ERROR: _("Token broken"),
    HEALTH_NEVER: _("Never updated"),
}
HEALTH_COLORS = {HEALTH_OK: "green", HEALTH_ERROR: "#c80", HEALTH_TOKEN_ERROR: "#c00", HEALTH_NEVER: "grey"}


def _statuses() -> QuerySet[SectionStatus]:
    return SectionStatus.objects.filter(character=OuterRef("pk"))


def _token_error_q() -> Exists:
    return Exists(_statuses().filter(is_token_error=True))


def _error_q() -> Exists:
    return Exists(_statuses().exclude(error_message=""))


def _success_q() -> Exists:
    return Exists(_statuses().filter(last_success_at__isnull=False))


def with_health(queryset: QuerySet[Character]) -> QuerySet[Character]:
    """Annotate each character's update health; subqueries, so no extra query per row."""
    return queryset.annotate(
        health_token_error=_token_error_q(),
        health_error=_error_q(),
        health_success=_success_q(),
        # "checked": ESI was asked (changed or not); "changed": the data last changed
        health_last_checked=Subquery(
            _statuses()
            .annotate(checked=checked_at_expression())
            .filter(checked__isnull=False)
            .order_by("-checked")
            .values("checked")[:1]
        ),
        health_last_change=Subquery(
            _statuses()
            .filter(last_change_at__isnull=False)
            .order_by("-last_change_at")
            .values("last_change_at")[:1]
        ),
        is_healthy=health.healthy_annotation(),
    )


def health_code(character: Character) -> str:
    """Health of a character annotated by ``with_health``."""
    if character.health_token_error:
        return HEALTH_TOKEN_ERROR
    if character.health_error:
        return HEALTH_ERROR
    if character.health_success:
        return HEALTH_OK
    return HEALTH_NEVER


class UpdateStatusFilter(admin.SimpleListFilter):
    title = _("update status")
    parameter_name = "update_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return list(HEALTH_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Character]) -> QuerySet[Character]:
        value = self.value()
        if value == HEALTH_TOKEN_ERROR:
            return queryset.filter(_token_error_q())
        if value == HEALTH_ERROR:
            return queryset.filter(_error_q()).exclude(_token_error_q())
        if value == HEALTH_OK:
            return queryset.filter(_success_q()).exclude(_error_q()).exclude(_token_error_q())
        if value == HEALTH_NEVER:
            return queryset.exclude(_success_q()).exclude(_error_q()).exclude(_token_error_q())
        return queryset


class HealthyFilter(admin.SimpleListFilter):
    """Healthy as the launcher, finder and compliance report define it (``memberaudit.health``)."""

    title = _("healthy")
    parameter_name = "healthy"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Character]) -> QuerySet[Character]:
        if self.value() == "yes":
            return queryset.filter(health.healthy_q())
        if self.value() == "no":
            return queryset.exclude(health.healthy_q())
        return queryset


class OrphanedFilter(admin.SimpleListFilter):
    title = _("orphaned")
    parameter_name = "orphaned"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Character]) -> QuerySet[Character]:
        if self.value() == "yes":
            return queryset.filter(eve_character__character_ownership__isnull=True)
        if self.value() == "no":
            return queryset.filter(eve_character__character_ownership__isnull=False)
        return queryset


# --- actions with an intermediate page ----------------------------------------------------------


class ForceUpdateForm(forms.Form):
    """What a forced update covers: one section or all sections of one ring."""

    target = forms.ChoiceField(label=_("Sections"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rings = [(f"ring:{ring}", _("All sections of ring %(ring)d") % {"ring": ring}) for ring in (1, 2, 3)]
        sections = [(f"section:{s.name}", f"{s.title} ({s.name})") for s in registry.all_sections()]
        self.fields["target"].choices = [
            (_("Rings"), rings),
            (_("Single section"), sections),
        ]

    def section_names(self) -> list[str]:
        kind, _sep, value = self.cleaned_data["target"].partition(":")
        if kind == "ring":
            return [s.name for s in registry.all_sections() if s.ring == int(value)]
        return [value]


def _intermediate_page(
    request: HttpRequest,
    queryset: QuerySet[Character],
    *,
    action: str,
    title: Any,
    question: Any,
    form: forms.Form | None = None,
) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": title,
        "question": question,
        "characters": queryset.select_related("eve_character"),
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "action": action,
        "form": form,
        "opts": Character._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "memberaudit/admin/character_action.html", context)


# --- characters --------------------------------------------------------------------------------


@admin.register(Character)
class CharacterAdmin(admin.ModelAdmin):
    list_display = (
        "character_name",
        "owner_main",
        "corporation",
        "is_shared",
        "is_disabled",
        "orphaned",
        "healthy",
        "update_health",
        "last_checked",
        "last_change",
        "created_at",
    )
    list_display_links = ("character_name",)
    list_filter = (
        HealthyFilter,
        UpdateStatusFilter,
        OrphanedFilter,
        "is_disabled",
        "is_shared",
        ("eve_character__corporation_name", admin.AllValuesFieldListFilter),
    )
    list_select_related = (
        "eve_character",
        "eve_character__character_ownership__user__profile__main_character",
    )
    search_fields = (
        "eve_character__character_name",
        "eve_character__corporation_name",
        "eve_character__character_ownership__user__username",
    )
    ordering = ("eve_character__character_name",)
    readonly_fields = ("eve_character", "created_at")
    fields = ("eve_character", "is_shared", "is_disabled", "created_at")
    actions = (
        "update_now",
        "force_update_sections",
        "enable_updates",
        "disable_updates",
        "delete_in_background",
    )
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Character]:
        return with_health(super().get_queryset(request))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes synchronously; ours runs in a task
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # characters are registered by their owners through EVE SSO

    def has_delete_permission(self, request: HttpRequest, obj: Character | None = None) -> bool:
        return False  # deleting runs in the background: see the action

    # columns

    @admin.display(description=_("character"), ordering="eve_character__character_name")
    def character_name(self, obj: Character) -> str:
        return obj.eve_character.character_name

    @admin.display(description=_("owner (main)"))
    def owner_main(self, obj: Character) -> str:
        user = obj.user
        if user is None:
            return "-"
        main = user.profile.main_character
        return f"{main.character_name} ({user.username})" if main else user.username

    @admin.display(description=_("corporation"), ordering="eve_character__corporation_name")
    def corporation(self, obj: Character) -> str:
        return obj.eve_character.corporation_name

    @admin.display(description=_("orphaned"), boolean=True)
    def orphaned(self, obj: Character) -> bool:
        return obj.is_orphan

    @admin.display(description=_("update health"))
    def update_health(self, obj: Character) -> str:
        code = health_code(obj)
        return format_html('<span style="color: {}">{}</span>', HEALTH_COLORS[code], HEALTH_LABELS[code])

    @admin.display(description=_("healthy"), boolean=True, ordering="is_healthy")
    def healthy(self, obj: Character) -> bool:
        return bool(obj.is_healthy)

    @admin.display(description=_("last checked"), ordering="health_last_checked")
    def last_checked(self, obj: Character) -> Any:
        return obj.health_last_checked

    @admin.display(description=_("last change"), ordering="health_last_change")
    def last_change(self, obj: Character) -> Any:
        return obj.health_last_change

    # actions

    def _updatable(self, request: HttpRequest, queryset: QuerySet[Character]) -> list[int]:
        pks = list(queryset.updatable().values_list("pk", flat=True))
        skipped = queryset.count() - len(pks)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d character is disabled or orphaned and was skipped.",
                    "%(count)d characters are disabled or orphaned and were skipped.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return pks

    @admin.action(description=_("Update now (all sections, user priority)"))
    def update_now(self, request: HttpRequest, queryset: QuerySet[Character]) -> None:
        pks = self._updatable(request, queryset)
        for pk in pks:
            tasks.update_character.apply_async(
                kwargs={"character_pk": pk, "priority": tasks.PRIORITY_USER}, priority=tasks.PRIORITY_USER
            )
        self.message_user(
            request,
            ngettext(
                "Update queued for %(count)d character.", "Update queued for %(count)d characters.", len(pks)
            )
            % {"count": len(pks)},
        )

    @admin.action(description=_("Force update of a section or ring..."))
    def force_update_sections(
        self, request: HttpRequest, queryset: QuerySet[Character]
    ) -> HttpResponse | None:
        form = ForceUpdateForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            names = form.section_names()
            pks = self._updatable(request, queryset)
            for pk in pks:
                tasks.update_character.apply_async(
                    kwargs={
                        "character_pk": pk,
                        "force": True,
                        "sections": names,
                        "priority": tasks.PRIORITY_USER,
                    },
                    priority=tasks.PRIORITY_USER,
                )
            self.message_user(
                request,
                _("Forced update of %(sections)s queued for %(count)d character(s).")
                % {"sections": ", ".join(names), "count": len(pks)},
            )
            return None
        return _intermediate_page(
            request,
            queryset,
            action="force_update_sections",
            title=_("Force update"),
            question=_("Force an update of these characters (ETags ignored, data stored even if unchanged):"),
            form=form,
        )

    @admin.action(description=_("Enable updates"))
    def enable_updates(self, request: HttpRequest, queryset: QuerySet[Character]) -> None:
        count = queryset.update(is_disabled=False)
        self.message_user(request, _("Updates enabled for %(count)d character(s).") % {"count": count})

    @admin.action(description=_("Disable updates"))
    def disable_updates(self, request: HttpRequest, queryset: QuerySet[Character]) -> None:
        count = queryset.update(is_disabled=True)
        self.message_user(request, _("Updates disabled for %(count)d character(s).") % {"count": count})

    @admin.action(description=_("Delete with all data (in the background)..."))
    def delete_in_background(
        self, request: HttpRequest, queryset: QuerySet[Character]
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            pks = list(queryset.values_list("pk", flat=True))
            # disabled first: no update recreates data while the deletion runs
            queryset.update(is_disabled=True)
            tasks.delete_characters.apply_async(kwargs={"character_pks": pks}, priority=tasks.PRIORITY_USER)
            self.message_user(
                request,
                _("Deletion of %(count)d character(s) started in the background.") % {"count": len(pks)},
            )
            return None
        return _intermediate_page(
            request,
            queryset,
            action="delete_in_background",
            title=_("Delete characters"),
            question=_(
                "Delete these characters and all their data from Member Audit? Their owners can "
                "register them again."
            ),
        )


# --- section statuses ---------------------------------------------------------------------------


class SectionFilter(admin.SimpleListFilter):
    """Sections from the registry (no DISTINCT query over a big table)."""

    title = _("section")
    parameter_name = "section"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [(s.name, f"{s.title} ({s.name})") for s in registry.all_sections()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SectionStatus]) -> QuerySet[SectionStatus]:
        return queryset.filter(section=self.value()) if self.value() else queryset


class SectionErrorFilter(admin.SimpleListFilter):
    title = _("error")
    parameter_name = "error"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [
            ("ok", _("No error")),
            ("error", _("Any error")),
            ("token", _("Token error")),
            ("route", _("Route down")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SectionStatus]) -> QuerySet[SectionStatus]:
        value = self.value()
        if value == "ok":
            return queryset.filter(error_message="", is_token_error=False, is_route_down=False)
        if value == "error":
            return queryset.filter(~Q(error_message="") | Q(is_token_error=True) | Q(is_route_down=True))
        if value == "token":
            return queryset.filter(is_token_error=True)
        if value == "route":
            return queryset.filter(is_route_down=True)
        return queryset


class _SectionStatusChangeList(ChangeList):
    """The status list, with the check times the cache holds that the database does not yet."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        heartbeats.attach_check_times(self.result_list)  # one cache round trip, no query


@admin.register(SectionStatus)
class SectionStatusAdmin(admin.ModelAdmin):
    """Read-only: statuses are written by the update engine only.

    "Last checked" is when ESI was last asked (changed or not), "last change" when the data
    last changed, "last success" when an update last wrote the row.
    """

    list_display = (
        "character",
        "section",
        "is_ok",
        "last_checked",
        "last_change_at",
        "last_attempt_at",
        "is_token_error",
        "is_route_down",
        "short_error",
    )
    list_filter = (SectionFilter, SectionErrorFilter, "is_token_error", "is_route_down")
    list_select_related = ("character__eve_character",)
    search_fields = ("character__eve_character__character_name", "section", "error_message")
    ordering = ("character__eve_character__character_name", "section")
    exclude = ("state", "content_hash")
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SectionStatus | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SectionStatus | None = None) -> bool:
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _SectionStatusChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[SectionStatus]:
        return super().get_queryset(request).annotate(checked=checked_at_expression())

    @admin.display(description=_("OK"), boolean=True)
    def is_ok(self, obj: SectionStatus) -> bool:
        return obj.is_ok

    @admin.display(description=_("last checked"), ordering="checked")
    def last_checked(self, obj: SectionStatus) -> Any:
        return obj.checked_at

    @admin.display(description=_("error"))
    def short_error(self, obj: SectionStatus) -> str:
        text = obj.error_message
        return text if len(text) <= 80 else text[:77] + "..."


# --- locations ----------------------------------------------------------------------------------


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "eve_solar_system", "eve_type", "owner_id", "is_forbidden", "updated_at")
    list_filter = ("is_forbidden",)
    list_select_related = ("eve_solar_system", "eve_type")
    search_fields = ("=id", "name")
    ordering = ("name",)
    readonly_fields = ("id", "eve_solar_system", "eve_type", "owner_id", "updated_at")
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # locations are resolved from ESI


# --- skill sets and compliance groups (their own module) ------------------------------------------

from memberaudit import admin_intel  # noqa: E402, F401, I001  (registers its ModelAdmins)
from memberaudit import admin_skillsets  # noqa: E402, F401  (registers its ModelAdmins)
