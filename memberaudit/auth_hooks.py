"""Alliance Auth hooks: the sidebar entry and the URLs."""

from __future__ import annotations

from allianceauth import hooks
from allianceauth.services.hooks import MenuItemHook, UrlHook

from . import app_settings, urls


class MemberAuditMenuItem(MenuItemHook):
    """Sidebar entry, shown only to users with basic_access."""

    def __init__(self) -> None:
        super().__init__(
            app_settings.get("MEMBERAUDIT_APP_NAME"),
            "fas fa-id-card",
            "memberaudit:launcher",
            navactive=["memberaudit:"],
        )

    def render(self, request):
        if request.user.has_perm("memberaudit.basic_access"):
            return super().render(request)
        return ""


@hooks.register("menu_item_hook")
def register_menu() -> MenuItemHook:
    return MemberAuditMenuItem()


@hooks.register("url_hook")
def register_urls() -> UrlHook:
    return UrlHook(urls, "memberaudit", r"^member-audit/")
