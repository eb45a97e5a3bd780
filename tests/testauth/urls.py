from django.conf import settings
from django.urls import include, path

from allianceauth import urls

urlpatterns = [
    path("", include(urls)),
]

if getattr(settings, "DEMO_MODE", False):
    # Demo only (EVE SSO and EVE's image server cannot be reached from the demo):
    # see testauth/demo_login.py and testauth/demo_images.py.
    from .demo_images import eve_image
    from .demo_login import demo_login

    urlpatterns[:0] = [
        path("demo-login/", demo_login, name="demo_login"),
        path("demo-images/<slug:kind>/<int:entity_id>/<slug:variant>", eve_image, name="demo_eve_image"),
    ]
