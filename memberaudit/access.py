"""Who may see which character and which user: the single source of truth.

Every view, report, finder and export asks this module; none of them checks scope
permissions on its own. All permissions are ``memberaudit.<codename>``.

Feature permissions switch a feature on; scope permissions say *whose* characters it covers.

=========================  =================================================================
rule                       who / what
=========================  =================================================================
use the app at all         ``basic_access`` (without it: nothing, not even own characters)
own characters             always, with ``basic_access`` (open, share-manage, remove)
open others' characters    ``characters_access`` + a scope below (scope alone: reports only)
shared characters          ``view_shared_characters`` (feature *and* scope: opens them without
                           ``characters_access``), only while the owner still holds
                           ``share_characters``
``view_same_corporation``  characters whose owner's **main** is in the corporation of the
                           requester's **main** (mains with all their alts)
``view_same_alliance``     the same for the alliance of the requester's main
``view_everything``        all characters, including orphaned ones
orphaned characters        (no owner) only ``view_everything`` and superusers
superusers                 everything
share own characters       ``share_characters``; unsharing is always allowed to the owner
users in reports           self + users whose main is in the requester's main's corporation /
                           alliance (per scope); all users with ``view_everything``. Sharing is
                           per character, so ``view_shared_characters`` adds no users.
intel pages                ``intel_access``: watch lists, intel report, investigate, asset
                           search, where-is. Their results hold only ``accessible_characters``
                           (without ``characters_access`` and a scope: one's own characters);
                           watch lists are shared by everybody with ``intel_access``
=========================  =================================================================

Scope always follows the requester's main character, never an alt; a user without a main has
no corporation or alliance scope. Inactive users have no permissions (Django's rule).

The query functions return lazy querysets built from single-valued joins and subqueries: a
constant number of queries (the user's permissions, cached on the user object, and one
lookup of the requester's main), however many characters exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from allianceauth.authentication.models import UserProfile
from allianceauth.eveonline.models import EveCharacter

from . import app_settings
from .models import Character

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    AnyUser = User | AnonymousUser | AbstractBaseUser

APP_LABEL = "memberaudit"

# The owner of a character, as a lookup path from Character.
_OWNER = "eve_character__character_ownership__user"
# The owner's main character, as a lookup path from Character.
_OWNER_MAIN = f"{_OWNER}__profile__main_character"


def _perm(user: AnyUser, codename: str) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(f"{APP_LABEL}.{codename}"))


# --- features -------------------------------------------------------------------------------


def can_access_app(user: AnyUser) -> bool:
    """May use the app: launcher, own characters (``basic_access``)."""
    return _perm(user, "basic_access")


def can_share(user: AnyUser) -> bool:
    """May mark own characters as shared."""
    return can_access_app(user) and _perm(user, "share_characters")


def can_use_finder(user: AnyUser) -> bool:
    """May use the character finder (it lists ``accessible_characters``)."""
    return can_access_app(user) and _perm(user, "finder_access")


def can_access_reports(user: AnyUser) -> bool:
    """May see reports (they cover ``accessible_users`` / ``characters_in_scope``)."""
    return can_access_app(user) and _perm(user, "reports_access")


def can_use_intel(user: AnyUser) -> bool:
    """May use the intel pages; what they show is limited to ``accessible_characters``."""
    return can_access_app(user) and _perm(user, "intel_access")


def can_export(user: AnyUser) -> bool:
    """May download data exports, which cover all characters regardless of scope."""
    return can_access_app(user) and _perm(user, "exports_access")


# --- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """The requester's permissions and main affiliation, read once per call."""

    is_superuser: bool
    shared: bool
    corporation_id: int | None
    alliance_id: int | None
    everything: bool
    characters_access: bool


def _scope(user: AnyUser) -> _Scope:
    if user.is_active and user.is_superuser:
        return _Scope(
            is_superuser=True,
            shared=True,
            corporation_id=None,
            alliance_id=None,
            everything=True,
            characters_access=True,
        )
    corporation_id = alliance_id = None
    wants_corporation = _perm(user, "view_same_corporation")
    wants_alliance = _perm(user, "view_same_alliance")
    if wants_corporation or wants_alliance:
        # Only the main counts: an alt in another corporation must not widen the scope.
        # a user has one main at most: a slice, without first()'s ORDER BY
        main = next(
            iter(
                EveCharacter.objects.filter(userprofile__user_id=user.pk).values(
                    "corporation_id", "alliance_id"
                )[:1]
            ),
            None,
        )
        if main:
            corporation_id = main["corporation_id"] if wants_corporation else None
            alliance_id = main["alliance_id"] if wants_alliance else None
    return _Scope(
        is_superuser=False,
        shared=_perm(user, "view_shared_characters"),
        corporation_id=corporation_id,
        alliance_id=alliance_id,
        everything=_perm(user, "view_everything"),
        characters_access=_perm(user, "characters_access"),
    )


def _users_holding(codename: str) -> QuerySet:
    """Primary keys of active users holding ``memberaudit.<codename>`` directly, through a
    group, through their AA state, or as superusers: a lazy subquery, no query of its own."""
    perms = Permission.objects.filter(content_type__app_label=APP_LABEL, codename=codename).values("pk")
    direct = User.user_permissions.through.objects.filter(permission_id__in=perms).values("user_id")
    by_group = User.groups.through.objects.filter(group__permissions__in=perms).values("user_id")
    by_state = UserProfile.objects.filter(state__permissions__in=perms).values("user_id")
    return User.objects.filter(
        Q(is_superuser=True) | Q(pk__in=direct) | Q(pk__in=by_group) | Q(pk__in=by_state),
        is_active=True,
    ).values("pk")


def _owned_q(user: AnyUser) -> Q:
    return Q(**{f"{_OWNER}_id": user.pk})


def _shared_q() -> Q:
    return Q(is_shared=True, **{f"{_OWNER}__in": _users_holding("share_characters")})


def _affiliation_q(scope: _Scope) -> Q | None:
    """Characters whose owner's main is in the requester's main corporation / alliance."""
    q = None
    if scope.corporation_id is not None:
        q = Q(**{f"{_OWNER_MAIN}__corporation_id": scope.corporation_id})
    if scope.alliance_id is not None:
        alliance_q = Q(**{f"{_OWNER_MAIN}__alliance_id": scope.alliance_id})
        q = alliance_q if q is None else q | alliance_q
    return q


def _characters(user: AnyUser, *, require_characters_access: bool) -> QuerySet[Character]:
    if not can_access_app(user):
        return Character.objects.none()
    scope = _scope(user)
    if scope.is_superuser:
        return Character.objects.all()
    others_allowed = scope.characters_access or not require_characters_access
    if scope.everything and others_allowed:
        return Character.objects.all()
    q = _owned_q(user)
    if scope.shared:
        q |= _shared_q()
    if others_allowed:
        affiliation = _affiliation_q(scope)
        if affiliation is not None:
            q |= affiliation
    return Character.objects.filter(q)


def accessible_characters(user: AnyUser) -> QuerySet[Character]:
    """Characters ``user`` may open in the character viewer (and find in the finder)."""
    return _characters(user, require_characters_access=True)


def characters_in_scope(user: AnyUser) -> QuerySet[Character]:
    """Characters covered by the user's scope permissions, whether or not the user may open
    them (``characters_access``): for reports, which show aggregates, not the viewer."""
    return _characters(user, require_characters_access=False)


def owned_characters(user: AnyUser) -> QuerySet[Character]:
    """The user's own registered characters (empty without ``basic_access``)."""
    if not can_access_app(user):
        return Character.objects.none()
    return Character.objects.filter(_owned_q(user))


def accessible_users(user: AnyUser) -> QuerySet[User]:
    """Users whose data ``user`` may see in reports (see the table above)."""
    if not can_access_app(user):
        return User.objects.none()
    scope = _scope(user)
    if scope.is_superuser or scope.everything:
        return User.objects.all()
    q = Q(pk=user.pk)
    if scope.corporation_id is not None:
        q |= Q(profile__main_character__corporation_id=scope.corporation_id)
    if scope.alliance_id is not None:
        q |= Q(profile__main_character__alliance_id=scope.alliance_id)
    return User.objects.filter(q)


def can_view_character(user: AnyUser, character: Character) -> bool:
    """May ``user`` open ``character`` in the viewer?"""
    return accessible_characters(user).filter(pk=character.pk).exists()


def sibling_characters(user: AnyUser, character: Character) -> QuerySet[Character]:
    """The other characters of ``character``'s owner that ``user`` may open (the viewer's
    character switcher): one query, however many characters the owner has. Empty for an
    orphaned character (it has no owner, so no siblings)."""
    owner_id = character.ownership.user_id if character.ownership else None
    if owner_id is None:
        return Character.objects.none()
    return (
        accessible_characters(user)
        .filter(**{f"{_OWNER}_id": owner_id})
        .exclude(pk=character.pk)
        .select_related("eve_character")
        .order_by("eve_character__character_name")
    )


def can_manage_character(user: AnyUser, character: Character) -> bool:
    """May ``user`` share, unshare or remove ``character``? Only its owner may."""
    return owned_characters(user).filter(pk=character.pk).exists()


# --- view glue ------------------------------------------------------------------------------
# Denials are returned, not raised: a site's handler403/handler404 may redirect, and a
# forbidden page should say so with its status. Their pages name no character.

ERROR_TEMPLATE = "memberaudit/partials/error_page.html"


def forbidden_response(request: HttpRequest) -> HttpResponse:
    """403 page for a missing feature permission."""
    return _error_page(request, 403, _("Access denied"), _("You do not have permission to use this page."))


def not_found_response(request: HttpRequest, message: str | None = None) -> HttpResponse:
    """404 page for a character that does not exist or that the user may not see.

    Both cases answer the same, so nobody can probe which characters are registered.
    ``message`` replaces the text for other objects (a watch list).
    """
    return _error_page(
        request,
        404,
        _("Not found"),
        message or _("This character does not exist or you cannot access it."),
    )


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {"app_title": app_settings.get("MEMBERAUDIT_APP_NAME"), "title": title, "message": message}
    return render(request, ERROR_TEMPLATE, context, status=status)


def basic_access_required(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let only logged-in users with ``basic_access`` through; others get a 403 page.

    AA's ``main_character_required`` already wraps every hooked URL (login + main); the login
    check here keeps the view safe when mounted elsewhere.
    """

    @login_required
    @wraps(view_func)
    def _wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_access_app(request.user):
            return forbidden_response(request)
        return view_func(request, *args, **kwargs)

    return _wrapped
