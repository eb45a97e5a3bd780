from helpers import create_member

from django.test import RequestFactory, override_settings
from django.urls import reverse

from memberaudit.auth_hooks import MemberAuditMenuItem


def _render_menu(user):
    request = RequestFactory().get("/")
    request.user = user
    return MemberAuditMenuItem().render(request)


def test_sidebar_item_is_hidden_without_basic_access(db):
    user = create_member("bob")
    assert _render_menu(user) == ""


def test_sidebar_item_is_shown_with_basic_access_and_titled_by_the_setting(db):
    user = create_member("alice", "basic_access")
    with override_settings(MEMBERAUDIT_APP_NAME="Audit"):
        html = _render_menu(user)
    assert "Audit" in html
    assert reverse("memberaudit:launcher") in html


def test_launcher_needs_login(client, db):
    response = client.get(reverse("memberaudit:launcher"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_launcher_is_forbidden_without_basic_access(client, db):
    client.force_login(create_member("bob"))
    assert client.get(reverse("memberaudit:launcher")).status_code == 403


def test_launcher_renders_with_basic_access(client, db):
    client.force_login(create_member("alice", "basic_access"))
    response = client.get(reverse("memberaudit:launcher"))
    assert response.status_code == 200
    assert "Member Audit" in response.content.decode()
