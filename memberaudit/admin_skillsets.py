"""Django admin of skill sets, skill set groups and compliance groups.

Skill sets can be cloned (admin action) and imported from an EFT fitting or an EVE skill
plan (the "Import" button on the skill set list). An import that fails says why and creates
nothing.

Registered when imported: ``memberaudit/admin.py`` imports this module.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from memberaudit import tasks
from memberaudit.models import Character
from memberaudit.models.compliance import ComplianceGroupDesignation
from memberaudit.models.skillsets import (
    SkillSet,
    SkillSetGroup,
    SkillSetImportError,
    SkillSetSkill,
)


def queue_skill_set_checks() -> int:
    """Recompute the skill set checks of every updatable character (queued, user priority)."""
    pks = list(Character.objects.updatable().values_list("pk", flat=True))
    for pk in pks:
        tasks.update_section.apply_async(
            args=(pk, "skill_sets"), kwargs={"force": True}, priority=tasks.PRIORITY_USER
        )
    return len(pks)


class SkillSetImportForm(forms.Form):
    """Paste an EFT fitting or an EVE skill plan."""

    EFT = "eft"
    SKILL_PLAN = "skill_plan"

    kind = forms.ChoiceField(
        label=pgettext_lazy("import format", "Format"),
        choices=[(EFT, _("EFT fitting")), (SKILL_PLAN, _("EVE skill plan"))],
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Required for skill plans; a fitting's name is used when empty"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16, "cols": 80}))
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=SkillSetGroup.objects.all(), required=False
    )
    as_recommended = forms.BooleanField(
        label=_("Recommended levels"),
        required=False,
        help_text=_("Skill plans only: import the levels as recommended instead of required"),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == self.SKILL_PLAN and not data.get("name"):
            self.add_error("name", _("A skill plan needs a name for the skill set."))
        return data

    def save(self) -> SkillSet:
        """Create the skill set; raises ``SkillSetImportError`` (nothing created)."""
        data = self.cleaned_data
        common = {"name": data["name"], "description": data["description"], "groups": data["groups"]}
        if data["kind"] == self.EFT:
            return SkillSet.objects.create_from_eft(data["text"], **common)
        return SkillSet.objects.create_from_skill_plan(
            data["text"], as_recommended=data["as_recommended"], **common
        )


class SkillSetSkillInline(admin.TabularInline):
    model = SkillSetSkill
    extra = 0
    raw_id_fields = ("eve_type",)
    fields = ("eve_type", "required_level", "recommended_level")


@admin.register(SkillSet)
class SkillSetAdmin(admin.ModelAdmin):
    list_display = ("name", "ship_type", "is_visible", "group_names", "skill_count")
    list_filter = ("is_visible", "groups")
    search_fields = ("name",)
    raw_id_fields = ("ship_type",)
    filter_horizontal = ("groups",)
    inlines = (SkillSetSkillInline,)
    actions = ("clone_skill_sets", "recompute_checks")
    change_list_template = "memberaudit/skillsets_admin_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("ship_type")
            .prefetch_related("groups")
            .annotate(skill_count=Count("skills"))
        )

    @admin.display(description=_("groups"))
    def group_names(self, obj: SkillSet) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    @admin.display(description=_("skills"), ordering="skill_count")
    def skill_count(self, obj: SkillSet) -> int:
        return obj.skill_count

    @admin.action(description=_("Clone selected skill sets"))
    def clone_skill_sets(self, request: HttpRequest, queryset: QuerySet[SkillSet]) -> None:
        clones = [skill_set.clone() for skill_set in queryset]
        self.message_user(
            request,
            ngettext("%(count)d skill set cloned.", "%(count)d skill sets cloned.", len(clones))
            % {"count": len(clones)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Recompute the skill set checks of all characters"))
    def recompute_checks(self, request: HttpRequest, queryset: QuerySet[SkillSet]) -> None:
        count = queue_skill_set_checks()
        self.message_user(
            request,
            ngettext(
                "The checks of %(count)d character are being recomputed.",
                "The checks of %(count)d characters are being recomputed.",
                count,
            )
            % {"count": count},
            messages.INFO,
        )

    def get_urls(self) -> list:
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="memberaudit_skillset_import",
            )
        ]
        return urls + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Create a skill set from an EFT fitting or an EVE skill plan."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:memberaudit_skillset_changelist"))
        form = SkillSetImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                skill_set = form.save()
            except SkillSetImportError as exc:
                form.add_error("text", str(exc))
            else:
                self.message_user(
                    request,
                    _("Skill set %(name)s created with %(count)d skills.")
                    % {"name": skill_set.name, "count": skill_set.skills.count()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:memberaudit_skillset_change", args=[skill_set.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import skill set"),
            "form": form,
        }
        return TemplateResponse(request, "memberaudit/skillsets_admin_import.html", context)


@admin.register(SkillSetGroup)
class SkillSetGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "is_doctrine", "is_active", "skill_set_count")
    list_filter = ("is_doctrine", "is_active")
    search_fields = ("name",)
    actions = ("clone_groups",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(skill_set_count=Count("skill_sets"))

    @admin.display(description=_("skill sets"), ordering="skill_set_count")
    def skill_set_count(self, obj: SkillSetGroup) -> int:
        return obj.skill_set_count

    @admin.action(description=_("Clone selected groups (with the same skill sets)"))
    def clone_groups(self, request: HttpRequest, queryset: QuerySet[SkillSetGroup]) -> None:
        count = 0
        for group in queryset:
            name, number = f"{group.name} (copy)"[:100], 2
            while SkillSetGroup.objects.filter(name=name).exists():
                name, number = f"{group.name[:90]} (copy {number})", number + 1
            copy = SkillSetGroup.objects.create(
                name=name, description=group.description, is_doctrine=group.is_doctrine, is_active=False
            )
            copy.skill_sets.set(group.skill_sets.all())
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d group cloned (inactive until you activate it).",
                "%(count)d groups cloned (inactive until you activate them).",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ComplianceGroupDesignation)
class ComplianceGroupDesignationAdmin(admin.ModelAdmin):
    list_display = ("group",)
