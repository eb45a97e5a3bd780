"""The docs say what the code does."""

from pathlib import Path

from memberaudit import app_settings
from memberaudit.sections import registry

ROOT = Path(__file__).resolve().parent.parent


def test_sections_page_is_generated_from_the_registry():
    page = (ROOT / "docs" / "sections.md").read_text(encoding="utf-8")
    assert page == registry.markdown_table(), (
        "docs/sections.md is stale: run `python docs/make_sections.py > docs/sections.md`"
    )


def test_every_section_documents_itself():
    for section in registry.all_sections():
        assert section.description, f"{section.name} has no description"
        assert section.ring in (1, 2, 3)


def test_readme_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in app_settings.DEFAULTS:
        assert f"`{name}`" in readme, f"{name} missing from README's settings table"


def test_readme_lists_every_scope_the_sections_need():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for scope in registry.all_scopes():
        assert f"`{scope}`" in readme, f"{scope} missing from README"


def test_registration_asks_for_every_scope_the_app_uses():
    from memberaudit.esi_scopes import CHARACTER_SCOPES

    assert registry.all_scopes() <= set(CHARACTER_SCOPES)
    unused = set(CHARACTER_SCOPES) - registry.all_scopes()
    assert not unused, f"scopes asked for but never used: {sorted(unused)}"


def test_readme_lists_every_permission():
    from memberaudit.models import General

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for codename, _description in General._meta.permissions:
        assert f"| `{codename}` |" in readme, f"{codename} missing from README's permission table"
