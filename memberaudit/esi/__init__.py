"""The only code that talks to ESI.

- ``client``: the django-esi 10 client, loaded from the spec that django-eveuniverse ships.
- ``budget``: the shared error-limit and rate-limit guard that pauses all our ESI work.
- ``route_status``: which routes ``/meta/status`` reports as down.
- ``gateway``: ``fetch()``, the one call sections use, with ETag/304 handling.
"""
