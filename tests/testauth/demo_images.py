"""Demo-only stand-in for EVE's image server (``DEMO_MODE``): portraits, logos, type icons.

EVE's image server cannot be reached from the demo, and pages link to it directly. In demo
mode, :class:`EveImagesMiddleware` rewrites those links in HTML and JSON responses to
``/demo-images/...``, which answers with a small SVG placeholder (a colour derived from the id,
the kind of image and the id's last digits). Production pages are untouched: this lives in the
test project, and the middleware is only listed in ``testauth.settings.demo``.
"""

from __future__ import annotations

import hashlib
from html import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

IMAGE_SERVER = b"https://images.evetech.net/"
LOCAL_PREFIX = b"/demo-images/"
REWRITTEN_TYPES = ("text/html", "application/json")
LABELS = {"characters": "", "corporations": "CORP", "alliances": "ALLI", "types": "TYPE"}


class EveImagesMiddleware:
    """Point links to EVE's image server at the demo's placeholders."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if (
            not getattr(response, "streaming", False)
            and content_type.startswith(REWRITTEN_TYPES)
            and IMAGE_SERVER in response.content
        ):
            response.content = response.content.replace(IMAGE_SERVER, LOCAL_PREFIX)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


@cache_control(max_age=86400)
def eve_image(request: HttpRequest, kind: str, entity_id: int, variant: str) -> HttpResponse:
    """An SVG placeholder for ``/<kind>/<id>/<variant>`` of EVE's image server."""
    if kind not in LABELS:
        raise Http404
    digest = hashlib.sha1(f"{kind}{entity_id}".encode()).digest()
    hue = digest[0] * 360 // 256
    label = escape(LABELS[kind] or f"#{entity_id % 1000:03d}")
    round_ = 'rx="64"' if kind == "characters" else 'rx="12"'
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">'
        f'<rect width="128" height="128" {round_} fill="hsl({hue},45%,42%)"/>'
        f'<circle cx="64" cy="50" r="22" fill="hsl({hue},45%,70%)"/>'
        f'<rect x="26" y="78" width="76" height="34" rx="17" fill="hsl({hue},45%,70%)"/>'
        f'<text x="64" y="124" font-family="sans-serif" font-size="13" text-anchor="middle" fill="#fff">{label}</text>'
        "</svg>"
    )
    return HttpResponse(svg, content_type="image/svg+xml")
