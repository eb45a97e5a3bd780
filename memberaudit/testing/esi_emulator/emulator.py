"""``EsiEmulator``: run the emulator (ESI and EVE SSO) in a background thread on a loopback port."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from .server import EmulatorCore, EmulatorHTTPServer
from .spec import write_spec
from .sso import AUTHORIZE_PATH, DEFAULT_TOKEN_LIFETIME, JWKS_PATH, METADATA_PATH, REVOKE_PATH, TOKEN_PATH


class EsiEmulator:
    """An ESI emulator on ``127.0.0.1``, usable as a context manager.

    >>> with EsiEmulator(characters=6, seed=42) as esi:
    ...     token = esi.mint_token(esi.characters()[0]["character_id"], ["esi-skills.read_skills.v1"])
    ...     tokens = esi.issue_tokens(esi.characters()[0]["character_id"])  # + refresh token, owner hash
    ...     spec = esi.spec_file(tmp_path)  # for ESIClientProvider(spec_file=...)
    ...     esi.sso_urls()["token"]  # the emulated EVE SSO, same port

    The Python methods mirror the ``/_emulator/...`` control routes. ``clients`` registers more
    SSO applications (``{client_id: secret}``) besides ``memberaudit-test``/``memberaudit-test``;
    ``token_lifetime`` is the access token lifetime in seconds (default 1200, like EVE SSO).
    """

    def __init__(
        self,
        characters: int = 6,
        seed: int = 1,
        start: datetime | str | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        page_sizes: dict[str, int] | None = None,
        clients: dict[str, str] | None = None,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
    ) -> None:
        if isinstance(start, str):
            start = datetime.fromisoformat(start.replace("Z", "+00:00"))
        self.core = EmulatorCore(
            characters=characters,
            seed=seed,
            start=start,
            page_sizes=page_sizes,
            clients=clients,
            token_lifetime=token_lifetime,
        )
        self._host = host
        self._port = port
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> EsiEmulator:
        """Bind the port and serve in a daemon thread."""
        if self._server is None:
            self._server = EmulatorHTTPServer(self.core, self._host, self._port)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="esi-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> EsiEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("emulator is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL with trailing slash, e.g. ``http://127.0.0.1:PORT/``."""
        return f"http://{self._host}:{self.port}/"

    def spec_file(self, directory: str | Path) -> Path:
        """Write the spec with ``servers`` pointing here; returns the file path."""
        return write_spec(self.url, directory)

    def sso_urls(self) -> dict[str, str]:
        """The emulated EVE SSO's URLs: ``base`` (…/v2/oauth, django-esi's ``ESI_SSO_BASE_URL``),
        ``authorize``, ``token``, ``revoke``, ``jwks`` and ``metadata``."""
        root = self.url.rstrip("/")
        return {
            "base": root + AUTHORIZE_PATH.rsplit("/", 1)[0],
            "authorize": root + AUTHORIZE_PATH,
            "token": root + TOKEN_PATH,
            "revoke": root + REVOKE_PATH,
            "jwks": root + JWKS_PATH,
            "metadata": root + METADATA_PATH,
        }

    # --- control API ---------------------------------------------------------------------
    def issue_tokens(self, character_id: int, scopes: list[str] | str | None = None) -> dict:
        """What an SSO login gives, without the browser: ``access_token``, ``refresh_token``,
        ``expires_in``, ``owner_hash``, ``character_id``, ``scopes`` (all when None)."""
        return self.core.issue_tokens(character_id, _scope_list(scopes))

    def mint_token(self, character_id: int, scopes: list[str] | str | None = None) -> str:
        """Just a new access token (a JWT) for ``character_id`` (all scopes when None)."""
        return self.core.mint_token(character_id, _scope_list(scopes))

    def revoke(self, character_id: int) -> None:
        """The player revokes the app: earlier access tokens get 401, refresh tokens ``invalid_grant``."""
        self.core.revoke(character_id)

    def transfer(self, character_id: int) -> str:
        """The character changes account: returns the new owner hash; old refresh tokens die."""
        return self.core.transfer(character_id)

    def owner_hash(self, character_id: int) -> str:
        """The character's current owner hash."""
        return self.core.owner_hash(character_id)

    def set_token_lifetime(self, seconds: float) -> float:
        """Lifetime of access tokens issued from now on."""
        return self.core.set_token_lifetime(seconds)

    def tick(self, seconds: float) -> datetime:
        """Advance emulator time; returns the new time."""
        return self.core.tick(seconds)

    def set_faults(self, **faults: Any) -> dict:
        """Replace the fault settings (see ``server.Faults``); no arguments clears them."""
        return self.core.set_faults(**faults).as_dict()

    def stats(self) -> dict:
        """Accounting: requests by route and status, tokens per group, 304 share, 420/429,
        and ``sso``: SSO requests by endpoint, by grant type and status, and SSO faults."""
        return self.core.stats.as_dict()

    def reset_stats(self) -> None:
        """Zero the accounting (ESI and SSO)."""
        self.core.stats.reset()

    def reset_limits(self) -> None:
        """Forget spent error budget and rate-limit tokens."""
        self.core.reset_limits()

    def characters(self) -> list[dict]:
        """The generated characters: id, name, corporation_id, alliance_id, size class."""
        return self.core.characters()

    def now(self) -> datetime:
        """Current emulator time."""
        return self.core.clock.now()

    @property
    def all_scopes(self) -> list[str]:
        """Every scope of the spec."""
        return list(self.core.all_scopes)


def _scope_list(scopes: list[str] | str | None) -> list[str] | None:
    """Scopes as a list; a string may separate them with spaces or commas."""
    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    return list(scopes) if scopes else None
