"""Run the Member Audit demo on http://127.0.0.1:8000 (embedded: SQLite + fakeredis, eager Celery).

What ``make demo`` does, in order:

1. installs the pinned local copies of AA's CDN assets (``tests/testauth/vendor_assets.py``);
2. starts the ESI emulator as a subprocess on a free loopback port (``ESI_API_URL`` points there);
3. migrates the SQLite database ``.demo/demo-<N>.sqlite3`` (one per character count, because the
   emulator's world depends on it) with the demo settings ``testauth.settings.demo``;
4. loads the EVE data the app needs from the emulator through the real django-eveuniverse /
   django-esi clients;
5. creates one user per role of the spec (member, recruiter, leadership, auditor, admin) plus
   normal members ("pilot_NNN") and registers ``--characters`` emulator characters for them,
   with tokens minted by the emulator;
6. serves the site (runserver, threaded) and, meanwhile, runs the real update task
   (``memberaudit.tasks.update_character``) for every character in worker processes, printing
   progress, until every section is filled;
7. then keeps updating: every ``--interval`` seconds it moves the emulator's clock forward by
   ``--tick`` seconds and runs ``memberaudit.tasks.run_regular_updates`` (Celery is eager in the
   demo settings, so the queued tasks run right there, in a worker process).

Ctrl-C (or SIGTERM) stops the server, the workers and the emulator. Running it again reuses the
database: users and characters are not duplicated and only missing sections are loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / ".demo"
SEED = 8
DEMO_GROUP = "Demo users"
PASSWORD = "demo"
ADMIN_PASSWORD = "demo-admin"
T0 = float(os.environ.get("DEMO_T0") or time.time())  # set by `make demo` when it starts

#: role accounts: permissions (codenames of "memberaudit | general") and what they demonstrate
ROLES = {
    "member": ("basic_access", "share_characters"),
    "recruiter": ("basic_access", "finder_access", "view_shared_characters"),
    "leadership": ("basic_access", "reports_access", "view_same_corporation"),
    "auditor": ("basic_access", "finder_access", "characters_access", "view_same_alliance", "intel_access"),
}
PILOT_PERMISSIONS = ("basic_access", "share_characters")
#: emulator characters nobody owns: "Log in with EVE Online" through the emulated SSO with one of
#: them and you are a new user, who may register it in the launcher ("Add character")
NEWCOMERS = 2
#: characters per pilot user (main + alts), cycled
PILOT_GROUP_SIZES = (3, 1, 2, 4, 2, 1)


def log(message: str) -> None:
    print(f"[demo {time.time() - T0:7.1f}s] {message}", flush=True)


# --- the plan: which user owns which character --------------------------------------------------
def plan_users(infos: list[dict]) -> list[dict]:
    """Assign the emulator's characters to demo users (deterministic, from the character list).

    Every role sees something: ``member`` owns one character of each size class (main + alts,
    one alt shared); ``leadership``'s main is in the member's corporation, ``auditor``'s main in
    the member's alliance but another corporation; every third pilot shares all characters
    (applicants for the recruiter) and every seventh leaves one alt unregistered (compliance).
    """
    pool = sorted(infos, key=lambda i: i["id"])

    def take(predicate=lambda info: True) -> dict | None:
        for candidates in (filter(predicate, pool), iter(pool)):
            for info in candidates:
                pool.remove(info)
                return info
        return None

    users: list[dict] = []
    member_main = take()
    if member_main is None:
        return users
    member_chars = [{"info": member_main, "shared": False, "registered": True}]
    for k in range(3):  # the first four emulator characters are small, medium, large, huge
        alt = take(lambda i, k=k: i["id"] == member_main["id"] + 1 + k)
        if alt is None:
            break
        member_chars.append({"info": alt, "shared": k == 0, "registered": True})
    users.append({"username": "member", "perms": ROLES["member"], "chars": member_chars})
    corp, alliance = member_main["corporation_id"], member_main.get("alliance_id")
    specs = [
        ("leadership", lambda i: i["corporation_id"] == corp),
        ("auditor", lambda i: alliance and i.get("alliance_id") == alliance and i["corporation_id"] != corp),
        ("recruiter", lambda i: True),
        ("admin", lambda i: True),
    ]
    for username, predicate in specs:
        info = take(predicate)
        chars = [{"info": info, "shared": False, "registered": True}] if info else []
        users.append({"username": username, "perms": ROLES.get(username, ()), "chars": chars})
    number = 0
    while pool:
        size = PILOT_GROUP_SIZES[number % len(PILOT_GROUP_SIZES)]
        number += 1
        group = [take() for _ in range(min(size, len(pool)))]
        shared = number % 3 == 0
        chars = [{"info": info, "shared": shared, "registered": True} for info in group]
        if number % 7 == 0 and len(chars) > 1:
            chars[-1]["registered"] = False  # owned but not registered: shows up in compliance
        users.append({"username": f"pilot_{number:03d}", "perms": PILOT_PERMISSIONS, "chars": chars})
    return users


def _die_with_parent() -> None:
    """In a child process: get SIGTERM when the demo dies, however it dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- the ESI emulator (subprocess) ---------------------------------------------------------------
class Emulator:
    """The ESI emulator CLI in its own process (keeps its work off the web server's GIL)."""

    def __init__(self, characters: int, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "memberaudit.testing.esi_emulator", "--port", str(port)]
            + ["--characters", str(characters), "--seed", str(SEED)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_parent,
        )
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise SystemExit(f"the ESI emulator did not start: {line!r}")
        self.url = line.rsplit(" ", 1)[-1].strip().rstrip("/") + "/"
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for _line in self.process.stdout:
            pass

    def _call(self, method: str, path: str) -> object:
        request = urllib.request.Request(
            self.url + path.lstrip("/"), method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def characters(self) -> list[dict]:
        return self._call("GET", "_emulator/characters")

    def issue_tokens(self, character_id: int, scopes: list[str]) -> dict:
        """What the emulated EVE SSO issues for a login: access and refresh token, owner hash."""
        return self._call("POST", f"_emulator/token/{character_id}?scopes={','.join(scopes)}")

    def tick(self, seconds: int) -> object:
        return self._call("POST", f"_emulator/tick?seconds={seconds}")

    def get(self, path: str) -> object:
        return self._call("GET", path)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- Django-side steps ----------------------------------------------------------------------------
def django_env(esi_url: str, database: Path, debug: bool, port: int = 8000) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "testauth.settings.demo",
        # the emulated EVE SSO sends logins back here (ESI_SSO_CALLBACK_URL = SITE_URL/sso/callback)
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SQLITE_PATH": str(database),
        "MEDIA_ROOT": str(database.parent / "media"),  # the exports of this demo
        "ESI_API_URL": esi_url,
        "DJANGO_DEBUG": "1" if debug else "0",
    }


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    for path in (str(ROOT / "tests"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()


def load_eve_data(emulator: Emulator) -> None:
    """EVE static data from the emulator through the real eveuniverse / django-esi clients."""
    from eveuniverse.models import EveCategory, EveEntity, EveRegion, EveType

    from memberaudit.esi import client

    client.provider()  # builds our client and points django-eveuniverse's at ESI_API_URL
    # every category the emulator serves (a superset of what memberaudit_load_eve loads)
    for category_id in emulator.get("universe/categories/"):
        EveCategory.objects.update_or_create_esi(
            id=category_id,
            include_children=True,
            wait_for_children=True,
            enabled_sections=[EveType.Section.DOGMAS],
        )
    for region_id in emulator.get("universe/regions/"):
        EveRegion.objects.update_or_create_esi(id=region_id, include_children=True, wait_for_children=True)
    organisations = set()
    for info in emulator.characters():
        organisations.update(i for i in (info["id"], info["corporation_id"], info.get("alliance_id")) if i)
    EveEntity.objects.bulk_resolve_ids(organisations)


def open_member_audit_to_everyone() -> None:
    """Demo only: whoever logs in through the emulated EVE SSO may use the launcher.

    A newcomer's account starts in AA's guest state; giving the guest and member states
    ``basic_access`` lets them register their character right away.
    """
    from django.contrib.auth.models import Permission

    from allianceauth.authentication.models import State

    permission = Permission.objects.get(content_type__app_label="memberaudit", codename="basic_access")
    for state in State.objects.all():
        state.permissions.add(permission.pk)


def create_users_and_characters(emulator: Emulator, plan: list[dict]) -> dict[str, int]:
    """Create the demo users and register their characters; existing ones are left as they are."""
    from django.contrib.auth.models import Group, Permission, User
    from django.db import transaction

    from allianceauth.authentication.models import CharacterOwnership

    from memberaudit.models import Character
    from memberaudit.sections import registry
    from memberaudit.testing.registration import eve_character_from, register_character

    scopes = sorted(registry.all_scopes())
    organisations: dict[str, dict] = {}
    for spec in plan:  # names and tickers of corporations and alliances, as ESI tells them
        for char in spec["chars"]:
            info = char["info"]
            for kind in ("corporation", "alliance"):
                entity_id = info.get(f"{kind}_id")
                if entity_id:
                    key = f"{kind}s/{entity_id}/"
                    if key not in organisations:
                        organisations[key] = emulator.get(key)
                    info[f"{kind}_name"] = organisations[key]["name"]
                    info[f"{kind}_ticker"] = organisations[key]["ticker"]
    group, _ = Group.objects.get_or_create(name=DEMO_GROUP)
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="memberaudit")}
    registered = set(Character.objects.values_list("eve_character__character_id", flat=True))
    owned = set(CharacterOwnership.objects.values_list("character__character_id", flat=True))
    counts = {"users": 0, "characters": 0}
    for spec in plan:
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=spec["username"])
            if created:
                counts["users"] += 1
                user.set_password(ADMIN_PASSWORD if spec["username"] == "admin" else PASSWORD)
                user.is_staff = user.is_superuser = spec["username"] == "admin"
                user.save()
                user.groups.add(group)
                user.user_permissions.add(*(perms[name] for name in spec["perms"]))
            for index, char in enumerate(spec["chars"]):
                info = char["info"]
                if info["id"] in registered or (not char["registered"] and info["id"] in owned):
                    eve_character_from(info)  # refresh names; nothing else changes
                    continue
                tokens = emulator.issue_tokens(info["id"], scopes)
                if char["registered"]:
                    register_character(
                        info, tokens, scopes, user=user, main=index == 0, shared=char["shared"]
                    )
                    counts["characters"] += 1
                else:  # owned in AA (the SSO's owner hash), not registered in Member Audit yet
                    eve_character = eve_character_from(info)
                    CharacterOwnership.objects.get_or_create(
                        character=eve_character,
                        defaults={"user": user, "owner_hash": tokens["owner_hash"]},
                    )
    return counts


DEMO_SKILL_PLANS = {
    "Rifter (tackle)": "Spaceship Command 3\nMinmatar Frigate 3\nSmall Projectile Turret 3\nGunnery 3\n"
    "Navigation 3\nAfterburner 3\nEvasive Maneuvering 2",
    "Caldari cruiser (missiles)": "Spaceship Command 4\nCaldari Frigate 4\nCaldari Cruiser 3\n"
    "Missile Launcher Operation 4\nLight Missiles 4\nHeavy Missiles 3",
    "Mining barge": "Mining Barge 3\nIndustry 3\nSpaceship Command 3",
    "Trader": "Trade 4\nRetail 3\nBroker Relations 3\nAccounting 3",
}


def create_skill_sets() -> int:
    """A doctrine group with a few skill sets (from EVE skill plans), once."""
    from memberaudit.models.skillsets import SkillSet, SkillSetGroup

    if SkillSet.objects.exists():
        return 0
    group = SkillSetGroup.objects.create(
        name="Demo doctrines", description="Skill sets of the demo", is_doctrine=True
    )
    for name, plan in DEMO_SKILL_PLANS.items():
        SkillSet.objects.create_from_skill_plan(plan, name=name, groups=[group])
    return len(DEMO_SKILL_PLANS)


def create_watch_list(emulator: Emulator) -> int:
    """A watch list with the emulator's planted hostile alliance and corporation, once.

    A few demo characters deal with them (contacts, wallet, contracts, mail, a past
    membership), so the intel report has hits as soon as those characters are loaded.
    """
    from memberaudit.models import WatchList, WatchListEntry
    from memberaudit.testing.esi_emulator import hostiles

    if WatchList.objects.exists():
        return 0
    watch_list = WatchList.objects.create(
        name="Hostiles", description="Entities at war with us (planted in the demo's emulated world)"
    )
    for entity_id, kind, path in (
        (hostiles.ALLIANCE_ID, "alliance", "alliances"),
        (hostiles.CORPORATION_ID, "corporation", "corporations"),
    ):
        WatchListEntry.objects.create(
            watch_list=watch_list,
            entity_id=entity_id,
            kind=kind,
            name=emulator.get(f"{path}/{entity_id}/")["name"],
            reason="War target",
        )
    return watch_list.entries.count()


def missing_sections() -> dict[int, list[str]]:
    """Characters whose sections were never updated: pk -> section names (never tried or no success)."""
    from memberaudit.models import Character, SectionStatus
    from memberaudit.sections import registry

    names = registry.names()
    done: dict[int, set[str]] = {}
    for pk, section in SectionStatus.objects.filter(last_success_at__isnull=False).values_list(
        "character_id", "section"
    ):
        done.setdefault(pk, set()).add(section)
    result = {}
    for pk in Character.objects.updatable().values_list("pk", flat=True):
        todo = [name for name in names if name not in done.get(pk, ())]
        if todo:
            result[pk] = todo
    return result


# --- worker processes -----------------------------------------------------------------------------
def _worker_init(env: dict[str, str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops the workers
    _die_with_parent()
    setup_django(env)


def _worker_update(job: tuple[int, list[str], int]) -> tuple[int, float, list[str], float]:
    """Update the given sections of one character (eager Celery: everything runs right here).

    Section by section, so that a section waiting for an ESI budget (``EsiPaused``, raised in
    eager mode) does not hold up the others. Returns (pk, seconds, problems, longest pause).
    """
    from django.db import close_old_connections

    from memberaudit import tasks
    from memberaudit.esi.budget import EsiPaused

    pk, sections, priority = job
    started, problems, paused_for = time.time(), [], 0.0
    for name in sections:
        try:
            tasks.update_section.apply_async(args=(pk, name), kwargs={"force": True}, priority=priority)
        except EsiPaused as exc:
            paused_for = max(paused_for, exc.retry_in)
            problems.append(f"{name}: {exc}")
        except Exception as exc:  # recorded in SectionStatus as well; the next pass retries
            problems.append(f"{name}: {exc.__class__.__name__}: {exc}")
    close_old_connections()
    return pk, time.time() - started, problems, paused_for


def _worker_regular_updates(_: int = 0) -> tuple[int, str]:
    """One periodic run; returns (sections due, problem). Exceptions stay in the worker."""
    from django.db import close_old_connections

    from memberaudit import tasks
    from testauth.celery import app

    # Eager Celery re-raises a task's exception in the caller, so one section waiting for an ESI
    # budget (EsiPaused) would end the whole run; a worker would just retry that one task later.
    app.conf.task_eager_propagates = False
    try:
        return tasks.run_regular_updates(), ""
    except Exception as exc:  # eager Celery re-raises EsiPaused: the rest waits for the next run
        return -1, f"{exc.__class__.__name__}: {exc}"
    finally:
        close_old_connections()


# --- background: initial load, then periodic updates ----------------------------------------------
class Background(threading.Thread):
    def __init__(self, args: argparse.Namespace, emulator: Emulator, env: dict[str, str], status_file: Path):
        super().__init__(name="demo-updates", daemon=True)
        self.args, self.emulator, self.env, self.status_file = args, emulator, env, status_file
        self.stop_event = threading.Event()
        self.pools: list = []

    def status(self, **data: object) -> None:
        data = {
            "url": f"http://127.0.0.1:{self.args.port}/",
            "characters": self.args.characters,
            "newcomers": getattr(self.args, "newcomers", []),
            **data,
        }
        self.status_file.write_text(json.dumps(data))

    def pool(self, workers: int):
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=_worker_init, initargs=({**self.env, "DJANGO_DEBUG": "0"},)
        )
        self.pools.append(pool)
        return pool

    def run(self) -> None:
        try:
            self.initial_load()
            self.periodic()
        except Exception as exc:  # keep serving; say what went wrong
            log(f"background updates stopped: {exc.__class__.__name__}: {exc}")
            self.status(phase="failed", error=str(exc))
            raise

    def initial_load(self) -> None:
        from django.db import close_old_connections

        started = time.time()
        todo = missing_sections()
        total = len(todo)
        self.status(phase="loading", loaded=0, total=total)
        if total:
            log(f"loading {total} characters with {self.args.workers} worker process(es) ...")
            pool = self.pool(self.args.workers)
            for attempt in (1, 2, 3):  # retries for errors; ESI budget pauses are left to the periodic runs
                jobs = [(pk, sections, 3) for pk, sections in sorted(todo.items())]  # role users first
                done, problems, paused_for, last_print = 0, [], 0.0, 0.0
                for _pk, _seconds, job_problems, job_paused in pool.imap_unordered(_worker_update, jobs):
                    done += 1
                    problems += job_problems
                    paused_for = max(paused_for, job_paused)
                    if self.stop_event.is_set():
                        return
                    now = time.time()
                    if now - last_print > 3 or done == len(jobs):
                        rate = done / max(now - started, 0.001)
                        eta = (len(jobs) - done) / rate if rate else 0
                        log(f"loaded {done}/{len(jobs)} characters ({rate:.2f}/s, about {eta:.0f} s to go)")
                        self.status(phase="loading", loaded=done, total=len(jobs))
                        last_print = now
                close_old_connections()
                before, todo = todo, missing_sections()
                if not todo or attempt == 3 or todo == before:
                    break
                if paused_for and all("ESI paused" in problem for problem in problems):
                    log(
                        f"{sum(map(len, todo.values()))} sections wait for ESI budgets "
                        f"(e.g. {problems[0]}); the periodic updates fill them"
                    )
                    break
                log(
                    f"pass {attempt}: {len(todo)} characters still miss sections (e.g. {problems[:1]}), retrying"
                )
            pool.close()
        close_old_connections()
        left = missing_sections()
        if left:
            from collections import Counter

            counter = Counter(name for sections in left.values() for name in sections)
            log(
                f"NOTE: {len(left)} characters still miss sections {dict(counter)} (ESI budgets or errors, "
                "see the update status on their pages); the periodic updates retry them"
            )
        log(
            f"READY: every character loaded in {time.time() - started:.0f} s — "
            f"{time.time() - T0:.0f} s since start. Open http://127.0.0.1:{self.args.port}/demo-login/"
        )
        self.status(phase="ready", loaded=total, total=total, missing=len(left), seconds=time.time() - T0)

    def periodic(self) -> None:
        if self.args.interval <= 0:
            return
        log(
            f"periodic updates: every {self.args.interval} s the emulator clock moves {self.args.tick} s "
            "and run_regular_updates runs (eager Celery, in a worker process)"
        )
        pool = self.pool(1)  # one process: its in-memory cache keeps ETags between runs
        while not self.stop_event.wait(self.args.interval):
            self.emulator.tick(self.args.tick)
            started = time.time()
            queued, problem = pool.apply(_worker_regular_updates, (0,))
            if problem:
                log(
                    f"periodic update: clock +{self.args.tick} s, stopped early ({problem}); the next run continues"
                )
                continue
            log(
                f"periodic update: clock +{self.args.tick} s, {queued} stale sections updated in {time.time() - started:.1f} s"
            )

    def stop(self) -> None:
        self.stop_event.set()
        for pool in self.pools:
            for process in list(getattr(pool, "_pool", [])):  # don't wait for a running update
                process.kill()
            threading.Thread(target=pool.terminate, daemon=True).start()


def install_vendor_assets() -> None:
    """tests/testauth/vendor_assets.py, loaded by path (importing testauth would set up Celery)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "tests" / "testauth" / "vendor_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ensure_installed()


# --- main -----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--characters", type=int, default=50, help="demo characters to register (default 50)")
    parser.add_argument("--port", type=int, default=8000, help="port of the site (make demo DEMO_PORT=...)")
    parser.add_argument(
        "--esi-port", type=int, default=0, help="port of the ESI emulator (0 = any free port)"
    )
    parser.add_argument(
        "--workers", type=int, default=max(1, min(os.cpu_count() or 1, 4)), help="loader processes"
    )
    parser.add_argument(
        "--interval", type=int, default=60, help="seconds between periodic updates (0 = none)"
    )
    parser.add_argument("--tick", type=int, default=900, help="emulator seconds per periodic update")
    parser.add_argument("--no-serve", action="store_true", help="set up and load, then exit")
    parser.add_argument(
        "--data-dir", type=Path, default=DEMO_DIR, help="database and status.json (default .demo/)"
    )
    args = parser.parse_args()
    if args.characters < 1:
        parser.error("--characters must be at least 1")

    def terminate(signum, frame):  # SIGTERM behaves like Ctrl-C: clean up what we started
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    if not args.no_serve and not port_is_free(args.port):
        parser.error(f"port {args.port} is in use (another demo running?); choose one with --port")
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
    install_vendor_assets()
    emulator = Emulator(args.characters + NEWCOMERS, args.esi_port)
    background = None
    try:
        log(f"ESI emulator on {emulator.url} ({args.characters} characters, seed {SEED})")
        env = django_env(
            emulator.url, data_dir / f"demo-{args.characters}.sqlite3", debug=True, port=args.port
        )
        setup_django(env)
        from django.core.management import call_command

        from eveuniverse.models import EveType

        call_command("migrate", interactive=False, verbosity=0)
        log(f"database {env['SQLITE_PATH']} migrated")
        if not EveType.objects.exists():
            load_eve_data(emulator)
            log(f"EVE data loaded from the emulator ({EveType.objects.count()} types)")
        if created_sets := create_skill_sets():
            log(f"{created_sets} demo skill sets created")
        if watched := create_watch_list(emulator):
            log(f"watch list with {watched} planted hostiles created")
        infos = sorted(emulator.characters(), key=lambda i: i["id"])
        plan = plan_users(infos[: args.characters])
        args.newcomers = [{"id": i["id"], "name": i["name"]} for i in infos[args.characters :]]
        counts = create_users_and_characters(emulator, plan)
        open_member_audit_to_everyone()
        log(
            f"{counts['users']} users and {counts['characters']} characters created ({len(plan)} users in the plan)"
        )
        print_accounts(plan, args.port)
        background = Background(args, emulator, env, data_dir / "status.json")
        if args.no_serve:
            background.initial_load()
            return 0
        background.start()
        log(
            f"serving http://127.0.0.1:{args.port}/ (characters load in the background; Ctrl-C stops everything)"
        )
        call_command("runserver", f"127.0.0.1:{args.port}", "--insecure", "--noreload", "--skip-checks")
    except KeyboardInterrupt:
        pass
    finally:
        if background is not None:
            background.stop()
        emulator.stop()
        log("stopped")
        sys.stdout.flush()
    # Leave at once: a worker pool that was mid-task must not keep the interpreter alive.
    os._exit(0)


def print_accounts(plan: list[dict], port: int) -> None:
    from django.contrib.auth.models import User

    lines = [
        "",
        f'Sign in at http://127.0.0.1:{port}/demo-login/ (pick an account), or with "Log in with EVE Online"',
        f"at http://127.0.0.1:{port}/ (the ESI emulator plays EVE SSO: pick one of its characters).",
        f"Passwords: admin / {ADMIN_PASSWORD} (also for /admin/), every other account / {PASSWORD}.",
        f"  {'account':<11} {'characters':>10}  permissions",
    ]
    for spec in plan[:5]:
        perms = "superuser" if spec["username"] == "admin" else ", ".join(spec["perms"])
        lines.append(f"  {spec['username']:<11} {len(spec['chars']):>10}  {perms}")
    pilots = [spec for spec in plan[5:]]
    if pilots:
        lines.append(
            f"  + {len(pilots)} normal members pilot_001 … ({', '.join(PILOT_PERMISSIONS)}); "
            "every 3rd shares its characters, every 7th has an unregistered alt"
        )
    lines.append(f"  ({User.objects.filter(groups__name=DEMO_GROUP).count()} demo accounts in the database)")
    print("\n".join(lines) + "\n", flush=True)


if __name__ == "__main__":
    sys.exit(main())
