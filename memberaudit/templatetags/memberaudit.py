"""Template tags of Member Audit."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from memberaudit import access
from memberaudit.core import formatting
from memberaudit.views.tabs import cells

register = template.Library()

#: (url name, title, icon, who may see it)
_PAGES = (
    ("memberaudit:launcher", _("Characters"), "fas fa-users", access.can_access_app),
    ("memberaudit:finder", _("Character finder"), "fas fa-search", access.can_use_finder),
    ("memberaudit:reports", _("Reports"), "fas fa-chart-bar", access.can_access_reports),
    ("memberaudit:intel_report", _("Intel"), "fas fa-user-secret", access.can_use_intel),
    ("memberaudit:exports", _("Exports"), "fas fa-file-export", access.can_export),
)


@register.inclusion_tag("memberaudit/partials/navigation.html", takes_context=True)
def memberaudit_navigation(context) -> dict:
    """The app's pages this user may open (access.py decides), for the top navigation."""
    request = context["request"]
    current = request.resolver_match.view_name if request.resolver_match else ""
    pages = [
        {"url": reverse(name), "title": title, "icon": icon, "active": current == name}
        for name, title, icon, allowed in _PAGES
        if allowed(request.user)
    ]
    return {"pages": pages}


# --- the formatting layer (memberaudit.core.formatting) for templates -----------------------
# Every filter returns plain text (autoescaped) except ``security`` and ``eve_moment``, which
# build their HTML with format_html. Numbers follow the active language (formatting.number).


@register.filter
def isk(value) -> str:
    """``{{ amount|isk }}`` -> ``1.23b ISK``."""
    return formatting.isk(value)


@register.filter
def isk_precise(value) -> str:
    """``{{ amount|isk_precise }}`` -> ``1,234,567,890.12 ISK``."""
    return formatting.isk(value, precise=True)


@register.filter
def number(value, decimals: int = 0) -> str:
    """``{{ 1234567.891|number:2 }}`` -> ``1,234,567.89`` (German ``1.234.567,89``)."""
    try:
        return formatting.number(value, int(decimals))
    except (TypeError, ValueError):
        return ""


@register.filter
def skillpoints(value) -> str:
    """``{{ total|skillpoints }}`` -> ``52.3m SP``."""
    return formatting.sp(value)


@register.filter
def roman(value) -> str:
    """``{{ level|roman }}`` -> ``IV``."""
    return formatting.roman(value)


@register.filter
def duration(value) -> str:
    """``{{ seconds_or_timedelta|duration }}`` -> ``2d 4h``."""
    return formatting.duration(value)


@register.filter
def eve_time(value) -> str:
    """``{{ moment|eve_time }}`` -> ``2026-12-02 06:13`` (EVE time)."""
    return formatting.eve_time(value)


@register.filter
def eve_date(value) -> str:
    """``{{ moment|eve_date }}`` -> ``2026-12-02``."""
    return formatting.eve_date(value)


@register.filter
def relative(value) -> str:
    """``{{ moment|relative }}`` -> ``in 3h 5m`` / ``2d 4h ago``."""
    return formatting.relative(value, timezone.now())


@register.filter
def eve_moment(value):
    """EVE time with the relative time on hover (``—`` for None)."""
    return cells.moment(value) or "—"


@register.filter
def humanize_identifier(value) -> str:
    """``{{ "StructureUnderAttack"|humanize_identifier }}`` -> ``Structure under attack``."""
    return formatting.humanize_identifier(value)


@register.filter
def security(value):
    """A security status coloured as in EVE."""
    return cells.security(value)


@register.simple_tag
def eve_image(kind: str, entity_id, size: int = 64) -> str:
    """``{% eve_image "portrait" character_id 128 %}``: a URL of EVE's image server (or its stand-in)."""
    return cells.image_url(kind, entity_id, int(size))


@register.simple_tag
def eve_time_note() -> str:
    """The sentence that says, once per page, that times are EVE time."""
    return str(formatting.EVE_TIME_NOTE)


@register.simple_tag
def memberaudit_formatting_script() -> SafeString:
    """The formatting layer for scripts (``static/memberaudit/formatting.js``) with the active
    language's number format, so that scripts write numbers like the server does."""
    return format_html(
        '{}<script src="{}"></script>',
        json_script(formatting.script_number_format(), "ma-number-format"),
        static("memberaudit/formatting.js"),
    )
