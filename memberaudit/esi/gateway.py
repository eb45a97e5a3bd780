"""``fetch()``: the one call through which sections reach ESI.

It checks the shared budgets and ``/meta/status`` first, lets django-esi handle ETags
(an unchanged response comes back as ``not_modified``), feeds every response's headers
back into the budgets and turns the many ways a call can fail into a few exceptions
a section update can act on.
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from aiopenapi3.errors import RequestError as ApiRequestError
from aiopenapi3.errors import ResponseError
from httpx2 import RequestError

from django.utils import timezone
from django.utils.translation import gettext as _

from esi.errors import IncompleteResponseError
from esi.errors import TokenError as EsiTokenError
from esi.exceptions import ESIBucketLimitException, ESIErrorLimitException, HTTPClientError, HTTPNotModified
from esi.exceptions import HTTPServerError as EsiHTTPServerError

from . import budget, route_status
from . import client as esi_client
from .budget import EsiPaused

logger = logging.getLogger(__name__)

__all__ = [
    "EsiError",
    "EsiPaused",
    "EsiResponse",
    "MalformedResponse",
    "NotFound",
    "RouteDown",
    "SsoUnavailable",
    "TokenError",
    "TokenRevoked",
    "fetch",
]


class EsiError(Exception):
    """ESI could not deliver; the stored data stays as it was."""


class TokenError(EsiError):
    """The token is revoked, invalid or lacks a scope: stop asking ESI with it."""


class TokenRevoked(TokenError):
    """EVE SSO refused to refresh the token: the player revoked the app, the character was
    sold or deleted. Every section this token serves is dead until a newer token exists."""


class SsoUnavailable(EsiError):
    """EVE SSO could not be reached or answered nonsense while refreshing the token.

    The token itself may be fine: a transient error, retried on the next run."""


class RouteDown(EsiError):
    """``/meta/status`` reports this route as down."""


class MalformedResponse(EsiError):
    """ESI answered with something that is not what its spec promises."""


class NotFound(EsiError):
    """404 or 403 for an object that is not the character's own (e.g. a structure)."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclasses.dataclass
class EsiResponse:
    """What ESI answered. ``data`` is plain JSON-like Python; None when not modified."""

    data: Any
    not_modified: bool
    expires_at: datetime | None
    pages: int = 1


def _plain(value: Any) -> Any:
    """Turn the client's models into plain JSON-like Python (dates as ISO strings)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if hasattr(value, "root"):  # pydantic RootModel
        return _plain(value.root)
    return value


def expires_at(headers: Any) -> datetime | None:
    """When ESI's cache for this response expires (Cache-Control max-age, else Expires)."""
    if not headers:
        return None
    lower = {str(k).lower(): v for k, v in dict(headers).items()}
    if match := re.search(r"max-age=(\d+)", str(lower.get("cache-control", ""))):
        return timezone.now() + timedelta(seconds=int(match.group(1)))
    if value := lower.get("expires"):
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return None


def _is_character_route(operation_id: str) -> bool:
    return esi_client.operation_info(operation_id)["path"].startswith("/characters/{character_id}")


def fetch(
    operation_id: str,
    *,
    token: Any = None,
    owner_id: int | None = None,
    paged: bool = False,
    body: Any = None,
    force: bool = False,
    check_route: bool = True,
    **params: Any,
) -> EsiResponse:
    """Call one ESI operation through django-esi and return its plain data.

    Raises ``EsiPaused`` (wait and retry), ``RouteDown``, ``TokenError``, ``NotFound``,
    ``MalformedResponse`` or ``EsiError``.
    """
    info = esi_client.operation_info(operation_id)
    group = (info.get("x-rate-limit") or {}).get("group")
    owner = owner_id or getattr(token, "character_id", None)
    # the pauses and the route status in one cache round trip
    found = budget.check(group, owner, also=(route_status.CACHE_KEY,) if check_route else ())
    if check_route and route_status.is_down(operation_id, found.get(route_status.CACHE_KEY)):
        raise RouteDown(f"ESI reports {info['method'].upper()} {info['path']} as down")

    tag = esi_client.operation_tags()[operation_id]
    operation_factory = getattr(getattr(esi_client.client(), tag.replace(" ", "_")), operation_id)
    kwargs = dict(params)
    if token is not None:
        kwargs["token"] = token
    if body is not None:
        kwargs["body"] = body
    operation = operation_factory(**kwargs)
    try:
        if paged:
            data, response = operation.results(return_response=True, force_refresh=force)
        else:
            data, response = operation.result(return_response=True, force_refresh=force)
    except HTTPNotModified as exc:
        budget.observe(exc.headers, owner=owner, status=304)
        return EsiResponse(None, True, expires_at(exc.headers), int(dict(exc.headers).get("X-Pages", 1) or 1))
    except ESIErrorLimitException as exc:
        budget.observe({"X-ESI-Error-Limit-Reset": str(exc.reset or 60)}, status=420)
        raise EsiPaused(float(exc.reset or 60), "ESI error limit reached (420)")
    except ESIBucketLimitException as exc:
        raise EsiPaused(float(exc.reset or 60), str(exc))
    except HTTPClientError as exc:
        budget.observe(exc.headers, owner=owner, status=exc.status_code)
        message = _error_text(exc)
        if exc.status_code == 420:
            raise EsiPaused(float(dict(exc.headers or {}).get("X-ESI-Error-Limit-Reset", 60)), message)
        if exc.status_code == 429:
            raise EsiPaused(float(dict(exc.headers or {}).get("Retry-After", 60)), message)
        if exc.status_code in (401, 403) and token is not None and _is_character_route(operation_id):
            raise TokenError(f"ESI refused the token ({exc.status_code}): {message}")
        if exc.status_code in (403, 404):
            raise NotFound(f"ESI answered {exc.status_code}: {message}", exc.status_code)
        raise EsiError(f"ESI answered {exc.status_code}: {message}")
    except EsiHTTPServerError as exc:
        budget.observe(exc.headers, owner=owner, status=exc.status_code)
        raise EsiError(f"ESI server error {exc.status_code}: {_error_text(exc)}")
    except ResponseError as exc:
        raise MalformedResponse(f"ESI sent a response that does not match its spec: {exc.__class__.__name__}")
    except (RequestError, ApiRequestError) as exc:  # connection refused, timeout, ...
        raise EsiError(f"ESI could not be reached: {exc.__class__.__name__}")
    except EsiTokenError as exc:
        # raised by django-esi's Token.valid_access_token() inside the call: the refresh token
        # was rejected (invalid_grant, owner changed) or cannot be refreshed at all
        raise TokenRevoked(
            _(
                "EVE SSO refused to renew the token (%(reason)s): the app was revoked or the character changed hands"
            )
            % {"reason": exc.__class__.__name__}
        ) from exc
    except IncompleteResponseError as exc:  # SSOUnavailableError is one of these
        raise SsoUnavailable(f"EVE SSO is unavailable: {exc.__class__.__name__}: {exc}"[:500]) from exc
    except ValueError as exc:
        if "Missing Scopes" in str(exc):
            raise TokenError(str(exc))
        raise
    budget.observe(response.headers, owner=owner, status=response.status_code)
    pages = int(response.headers.get("X-Pages", 1) or 1) if paged else 1
    return EsiResponse(_plain(data), False, expires_at(response.headers), pages)


def _error_text(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    if hasattr(data, "error"):
        return str(data.error)
    return str(data or exc.__class__.__name__)[:200]
