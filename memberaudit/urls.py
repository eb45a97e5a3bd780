"""URLs of Member Audit (mounted under /member-audit/ by auth_hooks)."""

from django.urls import path

from .views import launcher, viewer

app_name = "memberaudit"

urlpatterns = [
    path("", launcher.launcher, name="launcher"),
    path("add-character/", launcher.add_character, name="add_character"),
    path("character/<int:character_pk>/", viewer.character_viewer, name="character_viewer"),
    path("character/<int:character_pk>/share/", launcher.share_character, name="share_character"),
    path("character/<int:character_pk>/unshare/", launcher.unshare_character, name="unshare_character"),
    path("character/<int:character_pk>/remove/", launcher.remove_character, name="remove_character"),
]
