"""URLs of Member Audit (mounted under /member-audit/ by auth_hooks)."""

from django.urls import path

from .views import launcher

app_name = "memberaudit"

urlpatterns = [
    path("", launcher.launcher, name="launcher"),
]
