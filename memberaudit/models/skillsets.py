"""Skill sets (doctrines): which skills at which level a role needs, and per character whether
it has them.

``SkillSet.objects.create_from_eft`` / ``create_from_skill_plan`` import sets from an EFT
fitting or an EVE skill plan. Parsing is pure (``memberaudit.core``); loading EVE types runs
before the transaction that creates the set, so a failed import creates nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from eveuniverse.models import EveEntity, EveType, EveTypeDogmaAttribute

from memberaudit.core import eft, skill_plans, training
from memberaudit.esi import client as esi_client

from .characters import Character
from .fields import type_fk

logger = logging.getLogger(__name__)

LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(training.MAX_LEVEL)]


class SkillSetImportError(ValueError):
    """An import failed; the message says why, for the person who pasted the text."""


class SkillSetGroup(models.Model):
    """A named collection of skill sets, e.g. a doctrine."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    is_doctrine = models.BooleanField(
        default=False, db_index=True, verbose_name=_("doctrine"), help_text=_("This group is a doctrine")
    )
    is_active = models.BooleanField(
        default=True, db_index=True, verbose_name=_("active"), help_text=_("Inactive groups are not shown")
    )

    class Meta:
        default_permissions = ()
        ordering = ["name"]
        verbose_name = _("skill set group")
        verbose_name_plural = _("skill set groups")

    def __str__(self) -> str:
        return self.name


class SkillSetManager(models.Manager):
    """Creating skill sets from pasted text."""

    def create_from_eft(
        self, text: str, *, name: str = "", description: str = "", groups: Iterable[SkillSetGroup] = ()
    ) -> SkillSet:
        """A skill set with every skill needed to fly the fitting's ship and use its items."""
        try:
            fitting = eft.parse_eft(text)
        except eft.EftError as exc:
            raise SkillSetImportError(_eft_message(exc)) from exc
        types = _types_by_name(fitting.type_names)
        ship = types[fitting.ship_name.casefold()]
        needed = eft.required_skills([t.id for t in types.values()], _required_skill_dogma)
        if not needed:
            raise SkillSetImportError(gettext("This fitting needs no skills."))
        name = (name or fitting.name or fitting.ship_name).strip()
        levels = {skill_id: (level, None) for skill_id, level in needed.items()}
        return self._create(name, description, ship.id, levels, groups)

    def create_from_skill_plan(
        self,
        text: str,
        *,
        name: str,
        description: str = "",
        groups: Iterable[SkillSetGroup] = (),
        as_recommended: bool = False,
    ) -> SkillSet:
        """A skill set with the plan's skills as required (or recommended) levels."""
        try:
            entries = skill_plans.parse_skill_plan(text)
        except skill_plans.SkillPlanError as exc:
            raise SkillSetImportError(_plan_message(exc)) from exc
        types = _types_by_name([entry.name for entry in entries])
        skills = _skill_info(t.id for t in types.values())
        not_skills = sorted(entry.name for entry in entries if types[entry.name.casefold()].id not in skills)
        if not_skills:
            raise SkillSetImportError(
                gettext("These are not skills: %(names)s") % {"names": ", ".join(not_skills)}
            )
        levels: dict[int, tuple[int | None, int | None]] = {}
        for entry in entries:
            type_id = types[entry.name.casefold()].id
            levels[type_id] = (None, entry.level) if as_recommended else (entry.level, None)
        return self._create(name.strip(), description, None, levels, groups)

    def _create(
        self,
        name: str,
        description: str,
        ship_type_id: int | None,
        levels: Mapping[int, tuple[int | None, int | None]],
        groups: Iterable[SkillSetGroup],
    ) -> SkillSet:
        if not name:
            raise SkillSetImportError(gettext("The skill set needs a name."))
        with transaction.atomic():
            if self.filter(name=name).exists():
                raise SkillSetImportError(
                    gettext("A skill set named %(name)s exists already.") % {"name": name}
                )
            skill_set = self.create(name=name, description=description, ship_type_id=ship_type_id)
            SkillSetSkill.objects.bulk_create(
                SkillSetSkill(
                    skill_set=skill_set,
                    eve_type_id=type_id,
                    required_level=required,
                    recommended_level=recommended,
                )
                for type_id, (required, recommended) in sorted(levels.items())
            )
            skill_set.groups.set(list(groups))
        return skill_set


class SkillSet(models.Model):
    """Skills with a required and / or recommended level, e.g. to fly one doctrine ship."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    ship_type = models.ForeignKey(
        EveType,
        on_delete=models.SET_NULL,
        db_constraint=False,
        null=True,
        blank=True,
        default=None,
        related_name="+",
        verbose_name=_("ship type"),
        help_text=_("The ship this skill set is for (optional)"),
    )
    is_visible = models.BooleanField(
        default=True,
        db_index=True,
        verbose_name=_("visible"),
        help_text=_("Visible skill sets are shown to users on their characters; all are in reports"),
    )
    groups = models.ManyToManyField(
        SkillSetGroup, blank=True, related_name="skill_sets", verbose_name=_("groups")
    )

    objects = SkillSetManager()

    class Meta:
        default_permissions = ()
        ordering = ["name"]
        verbose_name = _("skill set")
        verbose_name_plural = _("skill sets")

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def clone(self, name: str | None = None) -> SkillSet:
        """A copy with the same skills and groups, under a new unique name."""
        base = name or gettext("%(name)s (copy)") % {"name": self.name}
        new_name, number = base[:100], 2
        while SkillSet.objects.filter(name=new_name).exists():
            new_name = f"{base[:94]} ({number})"
            number += 1
        copy = SkillSet.objects.create(
            name=new_name,
            description=self.description,
            ship_type_id=self.ship_type_id,
            is_visible=self.is_visible,
        )
        SkillSetSkill.objects.bulk_create(
            SkillSetSkill(
                skill_set=copy,
                eve_type_id=skill.eve_type_id,
                required_level=skill.required_level,
                recommended_level=skill.recommended_level,
            )
            for skill in self.skills.all()
        )
        copy.groups.set(self.groups.all())
        return copy


class SkillSetSkill(models.Model):
    """One skill of a skill set: at least one of the two levels is set."""

    skill_set = models.ForeignKey(SkillSet, on_delete=models.CASCADE, related_name="skills")
    eve_type = type_fk(null=False, verbose_name=_("skill"))
    required_level = models.PositiveSmallIntegerField(
        null=True, blank=True, default=None, validators=LEVEL_VALIDATORS, verbose_name=_("required level")
    )
    recommended_level = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=None,
        validators=LEVEL_VALIDATORS,
        verbose_name=_("recommended level"),
    )

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["skill_set", "eve_type"], name="ma_skillset_skill_unique")
        ]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return f"{self.skill_set}: {self.eve_type_id} {self.required_level}/{self.recommended_level}"

    def clean(self) -> None:
        if self.required_level is None and self.recommended_level is None:
            raise ValidationError(_("Set a required level, a recommended level, or both."))
        if (
            self.required_level is not None
            and self.recommended_level is not None
            and self.recommended_level < self.required_level
        ):
            raise ValidationError(_("The recommended level cannot be below the required level."))

    @property
    def target_level(self) -> int:
        """The highest level this skill asks for."""
        return max(self.required_level or 0, self.recommended_level or 0)


class CharacterSkillSetCheck(models.Model):
    """Whether a character has a skill set; computed by the ``skill_sets`` section.

    The failed skills are lists of ``{"type_id", "level", "active_level", "seconds"}`` (seconds:
    training time to that level, None when unknown); the training times are totals over them.
    """

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="skill_set_checks")
    skill_set = models.ForeignKey(SkillSet, on_delete=models.CASCADE, related_name="character_checks")
    failed_required_skills = models.JSONField(default=list, blank=True)
    failed_recommended_skills = models.JSONField(default=list, blank=True)
    can_fly = models.BooleanField(default=False, db_index=True)
    meets_recommended = models.BooleanField(default=False)
    missing_required_seconds = models.FloatField(
        null=True, default=None, help_text=_("Training time to the required levels; empty when unknown")
    )
    missing_recommended_seconds = models.FloatField(
        null=True, default=None, help_text=_("Training time to the recommended levels; empty when unknown")
    )

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["character", "skill_set"], name="ma_skillset_check_unique")
        ]
        indexes = [models.Index(fields=["skill_set", "can_fly"], name="ma_skillset_check_fly")]
        verbose_name = _("skill set check")
        verbose_name_plural = _("skill set checks")

    def __str__(self) -> str:
        return f"{self.character}: {self.skill_set_id} {'ok' if self.can_fly else 'missing'}"


# --- EVE type loading for imports ---------------------------------------------------------


def _types_by_name(names: list[str]) -> dict[str, EveType]:
    """EVE types by case-folded name, loaded with dogmas; raises when a name is unknown."""
    wanted = {name.casefold(): name for name in names}
    found: dict[str, int] = {}
    for type_id, type_name in EveType.objects.filter(name__in=list(wanted.values())).values_list(
        "id", "name"
    ):
        found[type_name.casefold()] = type_id
    missing = [wanted[key] for key in wanted if key not in found]
    if missing:
        try:
            esi_client.provider()  # eveuniverse's client follows ESI_API_URL once ours is built
            entities = EveEntity.objects.fetch_by_names_esi(missing).filter(
                category=EveEntity.CATEGORY_INVENTORY_TYPE
            )
            for entity_id, entity_name in entities.values_list("id", "name"):
                found[entity_name.casefold()] = entity_id
        except Exception as exc:
            logger.warning("Could not look up type names %s: %s", missing, exc)
            raise SkillSetImportError(
                gettext("EVE's item names could not be looked up right now, please try again later.")
            ) from exc
    unknown = sorted(wanted[key] for key in wanted if key not in found)
    if unknown:
        raise SkillSetImportError(gettext("Unknown item names: %(names)s") % {"names": ", ".join(unknown)})
    loaded = _load_with_dogmas(set(found.values()))
    return {key: loaded[type_id] for key, type_id in found.items()}


def _load_with_dogmas(type_ids: set[int]) -> dict[int, EveType]:
    """The types, each loaded with its dogma attributes (from ESI when not stored yet)."""
    dogmas = [EveType.Section.DOGMAS]
    result = {t.id: t for t in EveType.objects.filter(id__in=type_ids).filter_enabled_sections(dogmas)}
    for type_id in sorted(type_ids - set(result)):
        try:
            esi_client.provider()
            result[type_id] = EveType.objects.get_or_create_esi(id=type_id, enabled_sections=dogmas)[0]
        except Exception as exc:
            logger.warning("Could not load type %s: %s", type_id, exc)
            raise SkillSetImportError(
                gettext("EVE type %(id)s could not be loaded right now, please try again later.")
                % {"id": type_id}
            ) from exc
    return result


def _dogma(type_ids: Iterable[int], attribute_ids: Iterable[int]) -> dict[int, dict[int, float]]:
    rows = EveTypeDogmaAttribute.objects.filter(
        eve_type_id__in=list(type_ids), eve_dogma_attribute_id__in=list(attribute_ids)
    ).values_list("eve_type_id", "eve_dogma_attribute_id", "value")
    result: dict[int, dict[int, float]] = {}
    for type_id, attribute_id, value in rows:
        result.setdefault(type_id, {})[attribute_id] = value
    return result


def _required_skill_dogma(type_ids: Iterable[int]) -> dict[int, dict[int, float]]:
    """Required-skill attributes of the types (loading their dogmas when needed)."""
    type_ids = set(type_ids)
    _load_with_dogmas(type_ids)
    found = _dogma(type_ids, eft.ALL_REQUIRED_SKILL_ATTRIBUTE_IDS)
    return {type_id: found.get(type_id, {}) for type_id in type_ids}


def _skill_info(type_ids: Iterable[int]) -> dict[int, training.SkillInfo]:
    """Training data of those types that are skills."""
    result = {}
    for type_id, dogma in _dogma(type_ids, training.SKILL_TRAINING_ATTRIBUTES).items():
        info = training.SkillInfo.from_dogma(dogma)
        if info:
            result[type_id] = info
    return result


def _eft_message(exc: eft.EftError) -> str:
    messages: dict[str, Any] = {
        "empty": _("The fitting is empty."),
        "too_long": _("The fitting is too long."),
        "no_header": _("The first line must name the ship and the fitting, like [Drake, My Drake]."),
        "bad_line": _("This line is not an item of the fitting."),
    }
    message = str(messages.get(exc.code, _("This is not an EFT fitting.")))
    if exc.line:
        message = gettext("Line %(line)s: %(message)s (%(text)s)") % {
            "line": exc.line,
            "message": message,
            "text": exc.text,
        }
    return message


def _plan_message(exc: skill_plans.SkillPlanError) -> str:
    if not exc.errors:
        return gettext("The skill plan is empty.")
    lines = "; ".join(
        gettext("line %(line)s: %(text)s") % {"line": number, "text": text}
        for number, text in exc.errors[:10]
    )
    return gettext('Each line must be a skill name and a level, like "Gunnery 3" — not: %(lines)s') % {
        "lines": lines
    }
