"""Command line: ``python -m memberaudit.testing.esi_emulator --port 8765 --characters 50 --seed 1``.

Serves ESI and the EVE SSO (``/v2/oauth/...``, ``/oauth/jwks``) on the same port.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime

from .emulator import EsiEmulator
from .sso import DEFAULT_TOKEN_LIFETIME


def build_parser() -> argparse.ArgumentParser:
    """CLI options (fault flags mirror ``POST /_emulator/faults``)."""
    parser = argparse.ArgumentParser(
        prog="python -m memberaudit.testing.esi_emulator", description="ESI emulator on 127.0.0.1"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    parser.add_argument("--characters", type=int, default=20, help="number of generated characters")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated world")
    parser.add_argument(
        "--start", default=None, help="pin the clock start (ISO 8601, e.g. 2026-01-01T12:00:00Z)"
    )
    sso = parser.add_argument_group("sso")
    sso.add_argument(
        "--token-lifetime",
        type=float,
        default=DEFAULT_TOKEN_LIFETIME,
        help="access token lifetime in seconds (default 1200, like EVE SSO)",
    )
    sso.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="ID:SECRET",
        help="register another SSO application (memberaudit-test:memberaudit-test always is)",
    )
    faults = parser.add_argument_group("faults")
    faults.add_argument("--error-rate", type=float, default=0.0, help="share of 5xx answers on every route")
    faults.add_argument(
        "--route-error-rate",
        action="append",
        default=[],
        metavar="OPERATION=RATE",
        help="5xx share for one operation",
    )
    faults.add_argument(
        "--error-statuses", default="500,502,503,504", help="statuses used for injected errors"
    )
    faults.add_argument("--latency-ms", type=float, default=0.0, help="added latency")
    faults.add_argument("--latency-jitter-ms", type=float, default=0.0, help="uniform extra latency")
    faults.add_argument("--slow-rate", type=float, default=0.0, help="share of slow responses")
    faults.add_argument("--slow-ms", type=float, default=0.0, help="extra latency of slow responses")
    faults.add_argument("--hang-rate", type=float, default=0.0, help="share of hanging responses (then 504)")
    faults.add_argument("--hang-seconds", type=float, default=30.0, help="how long a hang lasts (max 120)")
    faults.add_argument("--malformed-rate", type=float, default=0.0, help="share of truncated JSON bodies")
    faults.add_argument(
        "--forbidden-structure", type=int, action="append", default=[], help="structure id answered with 403"
    )
    faults.add_argument(
        "--structure-403-rate", type=float, default=0.0, help="share of structures answered with 403"
    )
    faults.add_argument("--downtime", action="store_true", help="start in downtime (everything 503)")
    faults.add_argument("--downtime-seconds", type=float, default=0.0, help="downtime window from start")
    faults.add_argument("--down-route", action="append", default=[], help="operation id reported Down (503)")
    faults.add_argument(
        "--cache-scale", type=float, default=1.0, help="multiply every cache time (time compression)"
    )
    faults.add_argument("--sso-error-rate", type=float, default=0.0, help="share of 5xx answers of the SSO")
    faults.add_argument("--sso-down", action="store_true", help="every SSO endpoint answers 503")
    faults.add_argument("--sso-latency-ms", type=float, default=0.0, help="added latency of the SSO")
    faults.add_argument("--jwks-down", action="store_true", help="the SSO's JWKS answers 503")
    return parser


def clients_from_args(args: argparse.Namespace) -> dict[str, str] | None:
    """``--client ID:SECRET`` options as a dict (None: only the default client)."""
    clients: dict[str, str] = {}
    for item in args.client:
        client_id, separator, secret = item.partition(":")
        if not separator or not client_id or not secret:
            raise SystemExit(f"--client needs ID:SECRET, got {item!r}")
        clients[client_id] = secret
    return clients or None


def faults_from_args(args: argparse.Namespace) -> dict:
    """The fault settings given on the command line (only non-defaults)."""
    faults: dict = {}
    if args.error_rate:
        faults["error_rate"] = args.error_rate
    if args.route_error_rate:
        faults["route_error_rates"] = {
            k: float(v) for k, v in (item.split("=", 1) for item in args.route_error_rate)
        }
    statuses = [int(s) for s in args.error_statuses.split(",") if s]
    if statuses != [500, 502, 503, 504]:
        faults["error_statuses"] = statuses
    for name in (
        "latency_ms",
        "latency_jitter_ms",
        "slow_rate",
        "slow_ms",
        "hang_rate",
        "malformed_rate",
        "structure_403_rate",
        "downtime_seconds",
        "sso_error_rate",
        "sso_latency_ms",
    ):
        if getattr(args, name):
            faults[name] = getattr(args, name)
    if args.cache_scale != 1.0:
        faults["cache_scale"] = args.cache_scale
    if args.hang_rate:
        faults["hang_seconds"] = args.hang_seconds
    if args.forbidden_structure:
        faults["forbidden_structures"] = args.forbidden_structure
    if args.downtime:
        faults["downtime"] = True
    if args.down_route:
        faults["down_routes"] = args.down_route
    if args.sso_down:
        faults["sso_down"] = True
    if args.jwks_down:
        faults["jwks_down"] = True
    return faults


def main(argv: list[str] | None = None) -> int:
    """Run until interrupted."""
    args = build_parser().parse_args(argv)
    start = datetime.fromisoformat(args.start.replace("Z", "+00:00")) if args.start else None
    emulator = EsiEmulator(
        characters=args.characters,
        seed=args.seed,
        start=start,
        port=args.port,
        clients=clients_from_args(args),
        token_lifetime=args.token_lifetime,
    )
    faults = faults_from_args(args)
    if faults:
        emulator.set_faults(**faults)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with emulator:
        print(f"ESI emulator listening on {emulator.url.rstrip('/')}", flush=True)
        print(f"EVE SSO: {emulator.sso_urls()['base']}", flush=True)
        if faults:
            print(f"faults: {json.dumps(faults)}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
