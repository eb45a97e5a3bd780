"""Layout checks in headless Chromium: overflow, text contrast and raw section names.

Run by ``screenshots.py`` (``--layout-checks``, on by default) for every role, on every page
the role may open and every tab of the character viewer, at a laptop and a phone width, in
AA's light and dark theme:

- **overflow**: the page is never wider than the window, and nothing sticks out of a card,
  except inside an element that scrolls on purpose (``overflow-x: auto | scroll``, e.g. a
  table scroller);
- **contrast**: every visible text has a contrast ratio of at least 4.5:1 against its
  effective background (3:1 for large text), as WCAG 2 AA asks; the background is found by
  walking up the ancestors and blending semi-transparent layers. Mail bodies (the detail
  dialogs of the tabs) and bios (the details tab) included;
- **raw names**: no section identifier (``wallet_journal``) in the visible text.

Each failure names the page, the width, the theme and the element (a short CSS path and
its text).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin

#: (name, width, height, mobile) of the windows checked
WIDTHS = (("laptop", 1440, 900, False), ("phone", 390, 844, True))
#: AA's themes (``allianceauth.theme``): the light default and the dark one
THEMES = {
    "light": "allianceauth.theme.flatly.auth_hooks.FlatlyThemeHook",
    "dark": "allianceauth.theme.darkly.auth_hooks.DarklyThemeHook",
}
MIN_CONTRAST, MIN_CONTRAST_LARGE = 4.5, 3.0
#: at most this many failures of one kind are listed per page (the rest are counted)
MAX_PER_KIND = 40

#: the part of a page that is the app's (AA's own menus and theme are not checked)
CONTENT = "main > .nav-padding"
#: run in the page: ``arguments[0]`` the CSS selector of the part to check (``CONTENT``, a modal),
#: ``arguments[1]`` the section names not to show raw. Returns {kind: [problem, ...]}.
PROBE = r"""
// on a phone a user closes AA's side menu (open, it leaves the page 65 px): close it first
if (document.documentElement.clientWidth < 992) {
  const menu = document.getElementById('sidebar');
  if (menu) menu.classList.remove('show');
}
const root = document.querySelector(arguments[0]) || document.body;
const sectionNames = arguments[1];
const out = {overflow: [], contrast: [], raw: []};
const vw = document.documentElement.clientWidth;

function path(el) {
  const parts = [];
  for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
    let p = e.tagName.toLowerCase();
    if (e.id) { parts.unshift(p + '#' + e.id); break; }
    const cls = Array.from(e.classList).filter(c => !/^(col|d|p|m|px|py|mx|my|mt|mb|ms|me|pt|pb)-/.test(c)).slice(0, 2);
    if (cls.length) p += '.' + cls.join('.');
    parts.unshift(p);
  }
  return parts.join(' > ');
}
function text(el) { return (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60); }
function visible(el) {
  const cs = getComputedStyle(el);
  if (cs.display === 'none' || cs.visibility !== 'visible') return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}
function scrolls(el) { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; }
function clips(el) { const o = getComputedStyle(el).overflowX; return o === 'hidden' || o === 'clip'; }
function insideScroller(el, stop) {  // a scroller (or a clipping box) between el and stop
  for (let e = el.parentElement; e && e !== stop; e = e.parentElement) if (scrolls(e) || clips(e)) return true;
  return false;
}

// --- overflow -----------------------------------------------------------------------------
// AA's content column scrolls itself (.nav-padding is overflow:auto), so "the page" is the root
// element: nothing may reach past its right edge unless a scroller below the root holds it.
const all = Array.from(root.querySelectorAll('*')).filter(visible);
const rootRight = root.getBoundingClientRect().right;
if (rootRight > vw + 1) {
  // the content column itself grew past the window: something inside cannot shrink; name the
  // widest elements that are not just as wide as their container
  const wide = all.filter(el => !insideScroller(el, root) && getComputedStyle(el).position !== 'fixed'
    && el.getBoundingClientRect().right > vw + 1
    && (['TABLE', 'PRE', 'IMG', 'INPUT', 'SELECT', 'CANVAS'].includes(el.tagName)
        || getComputedStyle(el).whiteSpace === 'nowrap' || !/^(block|flex|grid|list-item)$/.test(getComputedStyle(el).display)))
    .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width).slice(0, 3);
  out.overflow.push(`the content is ${Math.round(rootRight - vw)}px wider than the window; widest inside: `
    + wide.map(el => `${path(el)} ${Math.round(el.getBoundingClientRect().width)}px wide ("${text(el)}")`).join('; '));
} else {
  // an element reaching past the page's edge, outside any scroller: the outermost one only
  const edge = rootRight + 1;
  all.forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.right <= edge || getComputedStyle(el).position === 'fixed' || insideScroller(el, root)) return;
    const parent = el.parentElement;
    if (parent && parent !== root && parent.getBoundingClientRect().right > edge) return;
    out.overflow.push(`${path(el)} reaches ${Math.round(r.right - edge)}px past the page's edge ("${text(el)}")`);
  });
  const sideways = root.scrollWidth - root.clientWidth;
  if (sideways > 1 && !out.overflow.length) out.overflow.push(`the page scrolls sideways by ${sideways}px`);
}
root.querySelectorAll('.card').forEach(card => {
  if (!visible(card)) return;
  const cardEdge = card.getBoundingClientRect().right + 1;
  Array.from(card.querySelectorAll('*')).filter(visible).forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.right <= cardEdge || insideScroller(el, card)) return;
    const parent = el.parentElement;
    if (parent !== card && parent.getBoundingClientRect().right > cardEdge) return;
    out.overflow.push(`${path(el)} sticks out of its card by ${Math.round(r.right - cardEdge)}px ("${text(el)}")`);
  });
});

// --- contrast -------------------------------------------------------------------------------
function rgba(value) {
  const m = value.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
}
function over(top, bottom) {  // alpha blending of top over an opaque bottom
  const a = top.a;
  return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1};
}
function background(el) {  // the opaque colour behind el, or null when an image is in the way
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
    const c = rgba(cs.backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
  }
  let result = {r: 255, g: 255, b: 255, a: 1};  // the canvas
  for (let i = layers.length - 1; i >= 0; i--) result = over(layers[i], result);
  return result;
}
function luminance(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
function opacity(el) { let o = 1; for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; }
const seen = new Set();
all.forEach(el => {
  const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.closest('[disabled], .disabled, .visually-hidden, script, style, option')) return;
  const cs = getComputedStyle(el);
  const bg = background(el);
  const fg0 = rgba(cs.color);
  if (!bg || !fg0) return;
  const fg = over({...fg0, a: fg0.a * opacity(el)}, bg);
  const l1 = luminance(fg), l2 = luminance(bg);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
  const needed = (size >= 24 || (bold && size >= 18.66)) ? 3.0 : 4.5;
  if (ratio + 0.005 >= needed) return;
  const key = path(el) + cs.color + cs.backgroundColor;
  if (seen.has(key)) return;
  seen.add(key);
  out.contrast.push(`${path(el)} ${ratio.toFixed(2)}:1 < ${needed} (${cs.color} on rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})) ("${text(el)}")`);
});

// --- raw section names ----------------------------------------------------------------------
const visibleText = root.innerText || '';
sectionNames.filter(n => n.includes('_')).forEach(name => {
  const m = visibleText.match(new RegExp('(^|[^\\w#-])' + name + '($|[^\\w])'));
  if (m) {
    const at = visibleText.indexOf(m[0]);
    out.raw.push(`"${name}" in "${visibleText.slice(Math.max(0, at - 30), at + name.length + 30).replace(/\s+/g, ' ')}"`);
  }
});
return out;
"""


@dataclass
class Failure:
    page: str
    width: str
    theme: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:<8} {self.page} @ {self.width}/{self.theme}: {self.detail}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(url: str, cookie: str) -> int:
    """HTTP status of ``url`` for the signed-in user (a redirect is not followed)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


class LayoutChecker:
    """Runs ``PROBE`` on pages of a signed-in ``Browser`` and collects failures."""

    def __init__(self, browser, say, report=None) -> None:
        self.report = report  # an open file: failures are written as they are found
        self.browser = browser
        self.driver = browser.driver
        self.say = say
        self.failures: list[Failure] = []
        self.section_names: list[str] = []
        self.probes = 0

    # --- window and theme -----------------------------------------------------------------------
    def set_width(self, width: tuple) -> None:
        _name, w, h, mobile = width
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def reset_width(self) -> None:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def set_theme(self, theme: str) -> None:
        """Switch the signed-in user's theme through AA's own form (POST /theme/)."""
        self.driver.get(urljoin(self.browser.base_url, "member-audit/"))
        status = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            const token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1]
              || (document.querySelector('input[name=csrfmiddlewaretoken]') || {}).value || '';
            const body = new FormData();
            body.append('theme', arguments[0]);
            body.append('csrfmiddlewaretoken', token);
            fetch('/theme/?next=/', {method: 'POST', body, credentials: 'same-origin', redirect: 'manual',
                                     headers: {'X-CSRFToken': token}})
              .then(r => done(r.status || r.type)).catch(e => done(String(e)));
            """,
            THEMES[theme],
        )
        self.driver.get(urljoin(self.browser.base_url, "member-audit/"))
        html_tags = self.driver.execute_script(
            "return document.documentElement.outerHTML.slice(0, 300) + ' ' + "
            "getComputedStyle(document.body).backgroundColor"
        )
        dark = self._is_dark()
        if dark != (theme == "dark"):
            self.failures.append(
                Failure(
                    "theme switch", "-", theme, "theme", f"POST /theme/ answered {status}; page: {html_tags}"
                )
            )

    def _is_dark(self) -> bool:
        return bool(
            self.driver.execute_script(
                "const c = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);"
                "return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) < 128;"
            )
        )

    # --- probing --------------------------------------------------------------------------------
    def probe(self, page: str, width: str, theme: str, selector: str = CONTENT) -> None:
        result = self.driver.execute_script(PROBE, selector, self.section_names)
        self.probes += 1
        for kind in ("overflow", "contrast", "raw"):
            items = result.get(kind, [])
            found = [Failure(page, width, theme, kind, item) for item in items[:MAX_PER_KIND]]
            if len(items) > MAX_PER_KIND:
                found.append(Failure(page, width, theme, kind, f"... and {len(items) - MAX_PER_KIND} more"))
            self.failures += found
            if self.report and found:
                self.report.write("".join(f"{failure}\n" for failure in found))
                self.report.flush()

    def check_page(self, name: str, path: str, theme: str) -> bool:
        """Load ``path`` and probe it at every width; False when it is not there."""
        url = urljoin(self.browser.base_url, path)
        if _status(url, self.browser.cookie_header()) != 200:
            return False
        self.driver.get(url)
        for width in WIDTHS:
            self.set_width(width)
            self._settle()
            self.probe(name, width[0], theme)
        return True

    def check_viewer(self, name: str, path: str, theme: str) -> None:
        """The viewer's overview and every tab (and the first detail dialog of a tab) at every width."""
        url = urljoin(self.browser.base_url, path)
        if _status(url, self.browser.cookie_header()) != 200:
            self.say(f"layout: {name} is not open to this role; skipped")
            return
        self.driver.get(url)
        self._settle()
        tabs = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.tab-pane[id^=\"ma-tab-\"]')).map(p => p.id.slice(7));"
        )
        if not self.section_names:
            self.section_names = [tab for tab in tabs if tab != "overview"]
        for width in WIDTHS:
            self.set_width(width)
            for tab in tabs:
                if not self._show_tab(tab):
                    self.failures.append(
                        Failure(f"{name} #{tab}", width[0], theme, "load", "tab did not load in 30 s")
                    )
                    continue
                self._settle(0.3)
                self.probe(f"{name} #{tab}", width[0], theme)
                self._check_detail(f"{name} #{tab}", tab, width[0], theme)

    def _show_tab(self, tab: str) -> bool:
        self.driver.execute_script(
            "const t = document.getElementById('ma-tab-' + arguments[0] + '-tab');"
            "if (t && window.bootstrap) bootstrap.Tab.getOrCreateInstance(t).show();"
            'document.querySelectorAll(\'[data-bs-toggle="dropdown"][aria-expanded="true"]\')'
            ".forEach(d => bootstrap.Dropdown.getOrCreateInstance(d).hide());",
            tab,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            loading = self.driver.execute_script(
                "const p = document.getElementById('ma-tab-' + arguments[0]);"
                "return !p || !p.classList.contains('active') || !!p.querySelector('.ma-tab-loading')"
                " || !!p.querySelector('.dt-processing:not([style*=\"none\"])')"
                " || (window.jQuery && jQuery.active > 0);",
                tab,
            )
            if not loading:
                return True
            time.sleep(0.2)
        return False

    def _check_detail(self, page: str, tab: str, width: str, theme: str) -> None:
        """Open the first detail dialog of the tab (a mail body, a contract) and probe it."""
        opened = self.driver.execute_script(
            "const link = document.querySelector('#ma-tab-' + arguments[0] + ' [data-ma-detail]');"
            "if (!link) return false; link.click(); return true;",
            tab,
        )
        if not opened:
            return
        deadline = time.time() + 15
        while time.time() < deadline:
            ready = self.driver.execute_script(
                "const m = document.getElementById('ma-detail-modal');"
                "const b = document.getElementById('ma-detail-modal-body');"
                "return !!m && m.classList.contains('show') && !!b && b.innerText.trim().length > 0"
                " && !b.querySelector('.spinner-border') && (!window.jQuery || jQuery.active === 0);"
            )
            if ready:
                break
            time.sleep(0.2)
        time.sleep(0.4)  # the modal's fade
        self.probe(f"{page} (detail dialog)", width, theme, "#ma-detail-modal .modal-content")
        self.driver.execute_script(
            "const m = document.getElementById('ma-detail-modal');"
            "if (m && window.bootstrap) bootstrap.Modal.getOrCreateInstance(m).hide();"
        )
        time.sleep(0.4)

    def _settle(self, extra: float = 0.6) -> None:
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.driver.execute_script(
                "return document.readyState === 'complete' && (!window.jQuery || jQuery.active === 0)"
            ):
                break
            time.sleep(0.2)
        time.sleep(extra)


#: pages of the app besides the viewer (each checked when the role may open it)
PAGES = (
    ("launcher", "member-audit/"),
    ("finder", "member-audit/finder/"),
    ("reports", "member-audit/reports/"),
    ("exports", "member-audit/exports/"),
    ("intel", "member-audit/intel/"),
    ("intel-assets", "member-audit/intel/assets/"),
    ("intel-where", "member-audit/intel/where/"),
    ("intel-watch-lists", "member-audit/intel/watch-lists/"),
)


def run_layout_checks(browser, roles: list[str], say, character_pk_of, report=None) -> list[Failure]:
    """Every role x theme x width: the app's pages and every tab of a viewer of the role.

    ``report``: an open text file that gets every failure as soon as it is found.
    """
    checker = LayoutChecker(browser, say, report)
    started = time.time()
    try:
        for role in roles:
            browser.sign_in(role)
            pk = character_pk_of(browser)
            for theme in THEMES:
                checker.set_theme(theme)
                if pk is not None:  # first: it learns the section names from the tabs
                    checker.check_viewer(f"{role}: viewer {pk}", f"member-audit/character/{pk}/", theme)
                for page, path in PAGES:
                    checker.check_page(f"{role}: {page}", path, theme)
                checker.reset_width()
                say(f"layout: {role} / {theme} done ({len(checker.failures)} failures so far)")
            checker.set_theme("light")  # leave the demo account as it was
    finally:
        checker.reset_width()
    say(f"layout: {checker.probes} views probed in {time.time() - started:.0f} s")
    return checker.failures


def summarize(failures: list[Failure], examples: int = 4) -> list[str]:
    """One line per distinct problem, with how many views show it and a few of them."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.kind, failure.detail), []).append(failure)
    lines = []
    for (kind, detail), found in sorted(groups.items(), key=lambda item: (item[0][0], -len(item[1]))):
        where = ", ".join(f"{f.page} @ {f.width}/{f.theme}" for f in found[:examples])
        more = f" and {len(found) - examples} more views" if len(found) > examples else ""
        lines.append(f"{kind:<8} {detail}\n           on {where}{more}")
    return lines
