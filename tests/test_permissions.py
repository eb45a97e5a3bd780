from django.contrib.auth.models import Permission

SPEC_PERMISSIONS = {
    "basic_access",
    "share_characters",
    "finder_access",
    "reports_access",
    "characters_access",
    "exports_access",
    "view_shared_characters",
    "view_same_corporation",
    "view_same_alliance",
    "view_everything",
    "intel_access",
}


def test_exactly_the_permissions_of_the_spec_exist(db):
    """The ten of the original plus ``intel_access``."""
    perms = Permission.objects.filter(content_type__app_label="memberaudit", content_type__model="general")
    assert set(perms.values_list("codename", flat=True)) == SPEC_PERMISSIONS


def test_every_permission_has_a_description(db):
    for perm in Permission.objects.filter(content_type__app_label="memberaudit"):
        assert perm.name and perm.name != perm.codename
