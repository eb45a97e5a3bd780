"""The app's top navigation shows exactly the pages access.py lets the user open."""

import pytest
from helpers import create_member

from django.urls import reverse

pytestmark = pytest.mark.django_db

LINKS = {
    "finder": reverse("memberaudit:finder"),
    "reports": reverse("memberaudit:reports"),
    "exports": reverse("memberaudit:exports"),
    "intel": reverse("memberaudit:intel_report"),
}


@pytest.mark.parametrize(
    ("permissions", "expected"),
    [
        (("basic_access",), set()),
        (("basic_access", "finder_access", "view_shared_characters"), {"finder"}),
        (("basic_access", "reports_access", "view_same_corporation"), {"reports"}),
        (("basic_access", "exports_access"), {"exports"}),
        (("basic_access", "intel_access"), {"intel"}),
        (("finder_access", "reports_access", "exports_access"), "forbidden"),
    ],
)
def test_navigation_links_follow_access(client, permissions, expected):
    client.force_login(create_member("navigator", *permissions))
    response = client.get(reverse("memberaudit:launcher"))
    if expected == "forbidden":  # without basic_access the app is closed
        assert response.status_code == 403
        return
    html = response.content.decode()
    shown = {name for name, url in LINKS.items() if f'href="{url}"' in html}
    assert shown == expected
