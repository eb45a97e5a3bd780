"""Screenshot check: start the demo, sign in as every role in headless Chromium, check styling.

Run by ``make screenshots`` and ``.ci/screenshots`` (the last stage of ``.ci/run``)::

    .venv/bin/python tests/e2e/screenshots.py            # starts its own demo (12 characters)
    .venv/bin/python tests/e2e/screenshots.py --url http://127.0.0.1:8000/   # a demo already running

It installs what it needs when missing: Debian's ``chromium`` and ``chromium-driver`` (apt-get)
and Selenium (pip, into the running virtualenv). For every page it checks that

- the page was served (pages that do not exist yet are skipped with a note, not failed),
- Bootstrap's CSS is applied (computed styles of the navbar and a button), Font Awesome's font
  is applied and jQuery + Bootstrap's JS are loaded,
- no request failed (HTTP status >= 400 or a network error) and nothing was requested from
  another host than the demo's (the CDN replacements must cover everything),
- with ``--layout-checks`` (``make screenshots``, ``make layout-check`` and ``.ci/screenshots``):
  for every role, every page it may open and every viewer tab, at 1440 px and 390 px, in the
  light and the dark theme: no horizontal overflow outside table scrollers, text contrast of at
  least 4.5:1 (WCAG AA), no raw section names, links that open (``tests/e2e/layout.py``; the
  list of failures is also written to ``<out>/layout-failures.txt``); the README's views are
  saved while they are checked, at both widths in both themes (``layout.README_VIEWS``),

saves the README's PNGs in ``--out`` (``docs/screenshots/`` from ``make screenshots``; CI writes
them outside the checkout) and exits non-zero with a clear message when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
SELENIUM = "selenium==4.51.0"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1440,900",
]
#: viewer tabs to capture (section names; missing tabs are skipped with a note)
VIEWER_TABS = ["assets", "wallet_journal", "skills", "skill_queue", "mail", "contacts", "skill_sets"]
#: pages of the first pass whose PNG the README shows (the others are checked, and saved only
#: when a check fails); the README's other views come from the layout pass (``layout.README_VIEWS``)
README_CAPTURES = {"intel-report", "intel-investigate", "intel-assets", "intel-where"}


def _rel(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def say(message: str) -> None:
    print(f"[screenshots] {message}", flush=True)


class CheckFailed(Exception):
    """A page is not rendered as in production (unstyled, failed requests, ...)."""


# --- prerequisites ---------------------------------------------------------------------------------
def ensure_chromium() -> tuple[str, str]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    say("installing Debian's chromium and chromium-driver ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True, env=env)
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        raise SystemExit("chromium / chromedriver not found after apt-get install")
    return browser, driver


def ensure_selenium() -> None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        say(f"installing {SELENIUM} into {sys.prefix} ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", SELENIUM], check=True)


# --- the demo ------------------------------------------------------------------------------------------
class Demo:
    """``tests/demo.py`` in its own process group, on a fresh data directory."""

    def __init__(self, characters: int, port: int, data_dir: Path) -> None:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        self.data_dir = data_dir
        self.log_path = data_dir / "demo.log"
        self.url = f"http://127.0.0.1:{port}/"
        command = [sys.executable, str(ROOT / "tests" / "demo.py"), "--characters", str(characters)]
        command += ["--port", str(port), "--data-dir", str(data_dir), "--interval", "0"]
        say(f"starting the demo: {' '.join(command[1:])} (log: {_rel(self.log_path)})")
        self.started = time.time()
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float) -> float:
        status_file = self.data_dir / "status.json"
        last = None
        while time.time() - self.started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"the demo exited early (code {self.process.returncode}):\n{self.tail()}")
            status = json.loads(status_file.read_text()) if status_file.exists() else {}
            phase = status.get("phase")
            if phase == "failed":
                raise SystemExit(f"the demo's initial load failed: {status.get('error')}\n{self.tail()}")
            progress = (phase, status.get("loaded"))
            if progress != last and phase:
                say(f"demo: {phase} {status.get('loaded', '')}/{status.get('total', '')}")
                last = progress
            if phase == "ready" and http_status(self.url + "demo-login/") == 200:
                return time.time() - self.started
            time.sleep(1)
        raise SystemExit(f"the demo was not ready after {timeout:.0f} s:\n{self.tail()}")

    def newcomers(self) -> list[dict]:
        """Emulator characters nobody owns in the demo (for the EVE SSO login check)."""
        status_file = self.data_dir / "status.json"
        return json.loads(status_file.read_text()).get("newcomers", []) if status_file.exists() else []

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the demo stops its workers and emulator
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def free_port() -> int:
    """A free loopback port (the demo binds it a moment later; nothing else here races for it)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_status(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- the browser -------------------------------------------------------------------------------------
STYLE_PROBE = """
const out = {};
const nav = document.querySelector('nav.navbar');
out.navbarPosition = nav ? getComputedStyle(nav).position : null;
out.navbarDisplay = nav ? getComputedStyle(nav).display : null;
const probe = document.createElement('button');
probe.className = 'btn btn-primary';
probe.textContent = 'probe';
document.body.appendChild(probe);
const cs = getComputedStyle(probe);
out.btnPaddingLeft = cs.paddingLeft;
out.btnBorderRadius = cs.borderTopLeftRadius;
out.btnBackground = cs.backgroundColor;
probe.remove();
const icon = document.createElement('i');
icon.className = 'fa-solid fa-user';
document.body.appendChild(icon);
out.iconFont = getComputedStyle(icon).fontFamily;
out.iconFontLoaded = document.fonts.check('900 16px "Font Awesome 6 Free"');
icon.remove();
out.bodyFont = getComputedStyle(document.body).fontFamily;
out.jquery = typeof window.jQuery;
out.bootstrap = typeof window.bootstrap;
out.stylesheets = Array.from(document.styleSheets).map(s => s.href).filter(Boolean);
return out;
"""


#: the planted hostile alliance of the emulator's world (``esi_emulator.hostiles``)
HOSTILE_ALLIANCE_ID = 99_300_001


@dataclass
class Shot:
    name: str
    path: str
    role: str
    description: str
    hash: str = ""
    wait_for: str = ""
    result: str = ""
    notes: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, base_url: str, browser: str, driver: str) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.base_url = base_url
        self.profile = tempfile.mkdtemp(prefix="memberaudit-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in CHROME_FLAGS + [f"--user-data-dir={self.profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(90)
        from layout import instrument

        instrument(self.driver)  # counts pending requests, turns animations off: no fixed sleeps

    def sign_in(self, username: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.driver.get(urljoin(self.base_url, "demo-login/"))
        buttons = self.driver.find_elements(By.ID, f"demo-login-{username}")
        if not buttons:
            raise CheckFailed(f"the demo sign-in page offers no account {username!r}")
        buttons[0].click()
        deadline = time.time() + 30
        while time.time() < deadline and not self.driver.get_cookie("sessionid"):
            time.sleep(0.05)
        if not self.driver.get_cookie("sessionid"):
            raise CheckFailed(f"signing in as {username!r} did not create a session")

    def cookie_header(self) -> str:
        return "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())

    def drain_logs(self) -> None:
        self.driver.get_log("performance")
        self.driver.get_log("browser")

    def network_problems(self) -> list[str]:
        """Failed requests and requests to other hosts since the last call."""
        problems, urls = [], {}
        host = urlsplit(self.base_url).netloc
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                urls[params["requestId"]] = url
                if url.startswith("http") and urlsplit(url).netloc != host:
                    problems.append(f"request to another host: {url}")
            elif method == "Network.responseReceived":
                status = params["response"]["status"]
                if status >= 400:
                    problems.append(f"HTTP {status}: {params['response']['url']}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                url = urls.get(params["requestId"], "?")
                if not url.startswith("data:"):
                    problems.append(f"failed ({params.get('errorText')}): {url}")
        return problems

    def console_errors(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def capture(self, shot: Shot, out_dir: Path) -> None:
        url = urljoin(self.base_url, shot.path.lstrip("/"))
        status = http_status(url, self.cookie_header())
        if status != 200:
            shot.result = f"skipped (HTTP {status}: page does not exist yet or is not allowed)"
            say(f"SKIP {shot.name}: {url} answered {status}")
            return
        self.drain_logs()
        self.driver.get(url + (f"#{shot.hash}" if shot.hash else ""))
        if shot.wait_for and not self._wait_tab(shot):
            return
        self._wait_quiet()
        style = self.driver.execute_script(STYLE_PROBE)
        problems = self._style_problems(style)
        problems += self.network_problems()
        errors = self.console_errors()
        if errors:
            shot.notes.append(f"console errors: {errors[:3]}")
        path = out_dir / f"{shot.name}.png"
        if shot.name in README_CAPTURES or problems:
            self.driver.save_screenshot(str(path))
        if problems:
            shot.result = "FAILED"
            raise CheckFailed(
                f"{shot.name} ({url}) is not rendered as in production:\n  - " + "\n  - ".join(problems)
            )
        saved = _rel(path) if path.exists() else "checked"
        shot.result = f"ok -> {saved}"
        say(f"ok {shot.name}: {saved}" + (f" ({'; '.join(shot.notes)})" if shot.notes else ""))

    def _wait_tab(self, shot: Shot) -> bool:
        from selenium.webdriver.common.by import By

        if not self.driver.find_elements(By.ID, f"{shot.wait_for}-tab"):
            shot.result = f"skipped (no tab {shot.wait_for} on this page yet)"
            say(f"SKIP {shot.name}: no tab #{shot.wait_for}-tab")
            return False
        self.driver.execute_script(  # a hash change alone does not reload the page: show the tab
            "const t = document.getElementById(arguments[0] + '-tab');"
            "if (t && window.bootstrap) bootstrap.Tab.getOrCreateInstance(t).show();"
            'document.querySelectorAll(\'[data-bs-toggle="dropdown"][aria-expanded="true"]\')'
            ".forEach(d => bootstrap.Dropdown.getOrCreateInstance(d).hide());",
            shot.wait_for,
        )
        from layout import QUIET, TAB_READY

        calm = self.driver.execute_async_script(
            QUIET + "quiet(new Function(arguments[0])).then(arguments[arguments.length - 1]);",
            TAB_READY.format(tab=shot.wait_for[len("ma-tab-") :]),
        )
        if not calm:
            shot.notes.append("tab still loading after 30 s")
        return True

    def _wait_quiet(self) -> None:
        """Until no request is pending and nothing shows a loading marker (``layout.QUIET``)."""
        from layout import QUIET

        self.driver.execute_async_script(QUIET + "quiet(null).then(arguments[arguments.length - 1]);")

    @staticmethod
    def _style_problems(style: dict) -> list[str]:
        problems = []
        if style.get("navbarPosition") != "fixed":
            problems.append(
                f"Bootstrap CSS is not applied: the navbar is position:{style.get('navbarPosition')}"
            )
        if style.get("btnPaddingLeft") in (None, "0px", "1px", "6px") or style.get("btnBorderRadius") in (
            "0px",
            None,
        ):
            problems.append(f"Bootstrap button styles are missing: {style}")
        if "Font Awesome" not in (style.get("iconFont") or ""):
            problems.append(f"Font Awesome CSS is not applied (font-family {style.get('iconFont')!r})")
        elif not style.get("iconFontLoaded"):
            problems.append("Font Awesome's web font did not load")
        if style.get("jquery") != "function":
            problems.append("jQuery is not loaded")
        if style.get("bootstrap") != "object":
            problems.append("Bootstrap's JavaScript is not loaded")
        for href in style.get("stylesheets", []):
            if not href.startswith("http://127.0.0.1"):
                problems.append(f"stylesheet from another host: {href}")
        return problems

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


# --- what to capture ---------------------------------------------------------------------------------
def character_pks(browser: Browser) -> list[int]:
    """The characters the signed-in user owns, from the launcher's links."""
    browser.driver.get(urljoin(browser.base_url, "member-audit/"))
    pks: list[int] = []
    for pk in re.findall(r"/member-audit/character/(\d+)/", browser.driver.page_source):
        if int(pk) not in pks:
            pks.append(int(pk))
    return pks


def first_character_pk(browser: Browser, prefer_index: int = 0) -> int | None:
    """A character the signed-in user owns (``prefer_index``-th if any)."""
    pks = character_pks(browser)
    if not pks:
        return None
    return pks[min(prefer_index, len(pks) - 1)]


def check_names(browser: Browser, pks: list[int]) -> None:
    """No ``#<digits>`` placeholder on any tab of ``pks``, no blank name in any export (as admin)."""
    from names_crawl import blank_names_in_exports, placeholders_in_viewer

    cookie = browser.cookie_header()
    placeholders = placeholders_in_viewer(browser.base_url, cookie, pks)
    if placeholders:
        raise CheckFailed(
            f"{len(placeholders)} names show as #<id> placeholders:\n  - " + "\n  - ".join(placeholders[:20])
        )
    say(f"ok names: no #<id> placeholder on any tab of {len(pks)} characters")
    blanks = blank_names_in_exports(browser, browser.base_url, cookie)
    if blanks:
        raise CheckFailed(
            f"{len(blanks)} export rows have an id but no name:\n  - " + "\n  - ".join(blanks[:20])
        )
    say("ok names: every id in every export has its name")


def check_sso_registration(browser: Browser, newcomer: dict, out_dir: Path) -> Shot:
    """A new user logs in through the emulated EVE SSO and registers the character.

    "Log in with EVE Online" -> the emulator's SSO page (pick the character, authorize) -> AA
    creates the account -> launcher -> "Register character" -> SSO again, with Member Audit's
    scopes -> back on the launcher, where the character is registered and its data loaded.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser.driver
    wait = WebDriverWait(driver, 60)

    def consent(step: str) -> None:
        try:
            wait.until(expected_conditions.element_to_be_clickable((By.ID, f"character-{newcomer['id']}")))
        except Exception as exc:
            raise CheckFailed(
                f"{step}: the emulated SSO page does not offer {newcomer['name']} ({driver.current_url})"
            ) from exc
        driver.find_element(By.ID, f"character-{newcomer['id']}").click()
        driver.find_element(By.ID, "authorize").click()

    driver.delete_all_cookies()
    driver.get(urljoin(browser.base_url, "account/login/"))
    links = driver.find_elements(By.CSS_SELECTOR, "a[href*='sso/login']")
    if not links:
        raise CheckFailed("AA's login page has no 'Log in with EVE Online' link")
    links[0].click()
    consent("log in")
    wait.until(lambda d: d.current_url.startswith(browser.base_url) and "sso/" not in d.current_url)
    if "register" in driver.current_url:  # AA's step 2 for a new account: an e-mail address
        email = driver.find_elements(By.NAME, "email")
        if not email:
            raise CheckFailed(f"AA's registration page has no e-mail field ({driver.current_url})")
        email[0].send_keys(f"newcomer-{newcomer['id']}@example.com")
        email[0].submit()
        wait.until(lambda d: "register" not in d.current_url or "complete" in d.current_url)
    driver.get(urljoin(browser.base_url, "member-audit/"))
    if "login" in driver.current_url:
        raise CheckFailed(f"logging in through the emulated SSO did not sign in ({driver.current_url})")

    driver.set_page_load_timeout(300)  # the demo runs the first update inside the request (eager)
    register = driver.find_elements(By.CSS_SELECTOR, "a[href*='add-character']")
    if not register:
        raise CheckFailed(
            f"the launcher of a new user has no 'Register character' button ({driver.current_url})"
        )
    register[0].click()
    consent("register")
    WebDriverWait(driver, 300).until(
        lambda d: d.current_url.startswith(browser.base_url) and "member-audit" in d.current_url
    )
    driver.set_page_load_timeout(60)
    table = driver.find_elements(By.ID, "ma-launcher-characters")
    if not table or newcomer["name"] not in table[0].text:
        raise CheckFailed(f"{newcomer['name']} is not registered in the launcher after the SSO flow")
    if "Never updated" in table[0].text or "Token broken" in table[0].text:
        raise CheckFailed(
            f"{newcomer['name']} was registered but its data did not load: {table[0].text[:300]}"
        )
    shot = Shot("sso-registered", "member-audit/", newcomer["name"], "Launcher after logging in with EVE SSO")
    path = out_dir / f"{shot.name}.png"
    if shot.name in README_CAPTURES:
        driver.save_screenshot(str(path))
    shot.result = f"ok -> {_rel(path) if path.exists() else 'checked'}"
    say(f"ok {shot.name}: {newcomer['name']} logged in through the emulated SSO and was registered")
    return shot


#: demo accounts whose pages the layout checks visit (``tests/demo.py``'s roles and the admin)
LAYOUT_ROLES = ["member", "admin", "auditor", "leadership", "recruiter"]


def run_checks(
    base_url: str,
    out_dir: Path,
    newcomers: list[dict] | None = None,
    layout_failures: list | None = None,
    layout_roles: list[str] | None = None,
) -> list[Shot]:
    """Capture every page; with ``layout_failures`` (a list), run the layout checks into it."""
    browser_path, driver_path = ensure_chromium()
    ensure_selenium()
    out_dir.mkdir(parents=True, exist_ok=True)
    browser = Browser(base_url, browser_path, driver_path)
    shots: list[Shot] = []
    try:
        # anonymous: the demo sign-in page
        shot = Shot("demo-login", "demo-login/", "anonymous", "Demo sign-in: pick a demo account")
        shots.append(shot)
        browser.drain_logs()
        browser.capture(shot, out_dir)

        browser.sign_in("member")
        shot = Shot("launcher", "member-audit/", "member", "Launcher: a member's characters")
        shots.append(shot)
        browser.capture(shot, out_dir)
        member_pks = character_pks(browser)
        pk = first_character_pk(browser, prefer_index=2)  # the member's large alt: full tables
        if pk is None:
            raise CheckFailed("the member's launcher shows no character links")
        viewer = f"member-audit/character/{pk}/"
        shots.append(Shot("viewer-overview", viewer, "member", "Character viewer: overview"))
        browser.capture(shots[-1], out_dir)
        for tab in VIEWER_TABS:
            shots.append(
                Shot(
                    f"viewer-{tab.replace('_', '-')}",
                    viewer,
                    "member",
                    f"Character viewer: {tab.replace('_', ' ')} tab",
                    hash=f"ma-tab-{tab}",
                    wait_for=f"ma-tab-{tab}",
                )
            )
            browser.capture(shots[-1], out_dir)

        browser.sign_in("recruiter")
        shots.append(
            Shot(
                "finder-recruiter",
                "member-audit/finder/",
                "recruiter",
                "Character finder (recruiter: shared characters)",
            )
        )
        browser.capture(shots[-1], out_dir)

        browser.sign_in("leadership")
        shots.append(
            Shot("reports", "member-audit/reports/", "leadership", "Reports (corporation leadership)")
        )
        browser.capture(shots[-1], out_dir)

        browser.sign_in("auditor")
        shots.append(Shot("finder", "member-audit/finder/", "auditor", "Character finder (alliance auditor)"))
        browser.capture(shots[-1], out_dir)
        # intel (the auditor holds intel_access; the demo's watch list names the planted hostiles)
        for name, path, description in (
            ("intel-report", "member-audit/intel/", "Intel report: members dealing with watched entities"),
            (
                "intel-investigate",
                f"member-audit/intel/investigate/?q={HOSTILE_ALLIANCE_ID}",
                "Intel: investigate an entity (a hostile alliance)",
            ),
            ("intel-assets", "member-audit/intel/assets/", "Intel: asset search across characters"),
            ("intel-where", "member-audit/intel/where/", "Intel: where is everyone"),
        ):
            shots.append(Shot(name, path, "auditor", description))
            browser.capture(shots[-1], out_dir)

        browser.sign_in("admin")
        shots.append(Shot("exports", "member-audit/exports/", "admin", "Data exports (admin)"))
        browser.capture(shots[-1], out_dir)
        check_names(browser, member_pks)

        if layout_failures is not None:
            from layout import run_layout_checks

            with (out_dir / "layout-failures.txt").open("w") as report:
                found, probes = run_layout_checks(
                    browser,
                    layout_roles or LAYOUT_ROLES,
                    say,
                    # a role's own large character; a role without one looks at the member's
                    lambda b: first_character_pk(b, prefer_index=2) or pk,
                    report,
                    shots_dir=out_dir,
                )
                layout_failures += found
            shots.append(
                Shot(
                    "layout",
                    "-",
                    ", ".join(layout_roles or LAYOUT_ROLES),
                    "layout checks",
                    result=f"{'FAILED' if found else 'ok'} -> {probes} views probed, {len(found)} failures",
                )
            )

        if newcomers:
            shots.append(check_sso_registration(browser, newcomers[0], out_dir))
    finally:
        browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only install what the checks need (chromium, chromedriver, selenium) and exit",
    )
    parser.add_argument("--url", help="check a demo that is already running instead of starting one")
    parser.add_argument("--characters", type=int, default=int(os.environ.get("DEMO_CHARACTERS", "12")))
    parser.add_argument("--port", type=int, default=0, help="port of the demo (0 = any free port)")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / ".demo" / "e2e-screenshots",
        help="where the PNGs go (`make screenshots` passes docs/screenshots; CI keeps the checkout clean)",
    )
    parser.add_argument("--timeout", type=float, default=1500, help="seconds to wait for the demo")
    parser.add_argument(
        "--demo-dir",
        type=Path,
        help="with --url: the running demo's --data-dir (its status.json names the SSO newcomers)",
    )
    parser.add_argument(
        "--layout-checks",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="check overflow, text contrast, raw section names and links on every page, tab, width and "
        "theme, saving the README's views (tests/e2e/layout.py; off by default, on in make "
        "screenshots, make layout-check and .ci/screenshots)",
    )
    parser.add_argument(
        "--layout-roles",
        help=f"comma-separated roles the layout checks visit (default: all, {','.join(LAYOUT_ROLES)})",
    )
    args = parser.parse_args()
    if args.prepare:
        ensure_chromium()
        ensure_selenium()
        return 0

    # CI stops a stage by SIGTERM to its process group: exit through `finally`, which stops
    # the demo (its own session, so the signal does not reach it) instead of leaving it running
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    demo = None
    started = time.time()
    try:
        if args.url:
            base_url = args.url.rstrip("/") + "/"
        else:
            demo = Demo(args.characters, args.port or free_port(), ROOT / ".demo" / "e2e")
            seconds = demo.wait_ready(args.timeout)
            say(f"demo ready after {seconds:.0f} s ({args.characters} characters, fresh database)")
            base_url = demo.url
        newcomers = demo.newcomers() if demo else None
        if args.demo_dir and (args.demo_dir / "status.json").exists():
            newcomers = json.loads((args.demo_dir / "status.json").read_text()).get("newcomers", [])
        layout_failures: list | None = [] if args.layout_checks else None
        roles = args.layout_roles.split(",") if args.layout_roles else None
        shots = run_checks(base_url, args.out, newcomers, layout_failures, roles)
    except CheckFailed as exc:
        say(f"FAILED: {exc}")
        if demo:
            say("demo log (tail):\n" + demo.tail(15))
        return 1
    finally:
        if demo:
            demo.stop()
    taken = [s for s in shots if s.result.startswith("ok")]
    pngs = sorted(args.out.glob("*.png"))
    say(
        f"{len(taken)} checks passed, {len(shots) - len(taken)} skipped, {len(pngs)} PNGs in "
        f"{_rel(args.out)}, {time.time() - started:.0f} s"
    )
    for shot in shots:
        say(f"  {shot.name:<22} {shot.role:<10} {shot.result}")
    if layout_failures:
        from layout import summarize

        report = args.out / "layout-failures.txt"  # written while the checks ran
        lines = summarize(layout_failures)
        kinds = sorted({f.kind for f in layout_failures})
        say(
            f"FAILED: {len(lines)} distinct layout problems ({', '.join(kinds)}) on "
            f"{len(layout_failures)} findings (page x width x theme); every one in {_rel(report)}:"
        )
        for line in lines:
            say(f"  {line}")
        return 1
    if layout_failures is not None:
        (args.out / "layout-failures.txt").unlink(missing_ok=True)  # empty: keep docs/ clean
        say("ok layout: no overflow, no text below WCAG AA contrast, no raw section name, links open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
