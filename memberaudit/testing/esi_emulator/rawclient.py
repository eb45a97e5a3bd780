"""A tiny keep-alive HTTP client (stdlib) for behaviour tests and benchmarks.

It never raises on 4xx/5xx: tests look at status, headers and body as ESI sent them.
"""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass
class RawResponse:
    """Status, headers (lower-case names) and body of one response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class RawClient:
    """One persistent connection to the emulator (not thread-safe: one per thread)."""

    def __init__(self, base_url: str, user_agent: str = "RawClient/1.0", timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.user_agent = user_agent
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        form: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> RawResponse:
        """Send one request; ``body`` is sent as JSON unless it is bytes, ``form`` form-encoded
        (as OAuth wants it); ``auth`` is HTTP Basic ``(user, password)`` (SSO client auth)."""
        send_headers = {"User-Agent": self.user_agent}
        if token:
            send_headers["Authorization"] = f"Bearer {token}"
        if auth:
            send_headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        data = None
        if form is not None:
            data = urlencode(form).encode()
            send_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            send_headers["Content-Type"] = "application/json"
        send_headers.update(headers or {})
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, path, body=data, headers=send_headers)
                response = self._conn.getresponse()
                payload = response.read()
                return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, token: str | None = None, **kw: Any) -> RawResponse:
        """GET ``path``."""
        return self.request("GET", path, token=token, **kw)

    def post(self, path: str, token: str | None = None, body: Any = None, **kw: Any) -> RawResponse:
        """POST ``path`` (``form=``/``auth=`` for the SSO endpoints)."""
        return self.request("POST", path, token=token, body=body, **kw)

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
