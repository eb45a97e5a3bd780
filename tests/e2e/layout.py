"""Layout checks in headless Chromium: overflow, text contrast, raw section names and links.

Run by ``screenshots.py --layout-checks`` (``make layout-check``, ``.ci/screenshots`` in CI) for
every role, on every page the role may open (and every tab of a page with tabs) and every tab of
the character viewer, at a laptop and a phone width, in AA's light and dark theme:

- **overflow**: the page is never wider than the window, and nothing sticks out of a card,
  except inside an element that scrolls on purpose (``overflow-x: auto | scroll``, e.g. a
  table scroller);
- **contrast**: every visible text has a contrast ratio of at least 4.5:1 against its
  effective background (3:1 for large text), as WCAG 2 AA asks; the background is found by
  walking up the ancestors and blending semi-transparent layers. Mail bodies (the detail
  dialogs of the tabs) and bios (the details tab) included;
- **raw names**: no section identifier (``wallet_journal``) in the visible text;
- **links**: the character switcher offers other characters of the same member, and every link
  to a character viewer on the page (switcher, "Main", finder and report rows) opens for the role;
  entity links go to zKillboard, EVE Who or dotlan.

Each failure names the page, the width, the theme and the element (a short CSS path and
its text).

Speed (the checks run in every ``.ci/run``): every view is checked by one asynchronous script
that waits until the page is quiet (no pending fetch/XHR, no loading marker; counted by a script
installed before any page script, see ``INSTRUMENT``), then probes; transitions and animations
are off, so there are no fixed sleeps; a tab is loaded once and probed at both widths.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

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
#: seconds a view may take to become quiet (its requests answered, its tables drawn)
QUIET_TIMEOUT = 30

#: the part of a page that is the app's (AA's own menus and theme are not checked)
CONTENT = "main > .nav-padding"

#: installed before any script of every page (CDP ``Page.addScriptToEvaluateOnNewDocument``):
#: counts pending fetch/XHR requests (the viewer loads its tabs with ``fetch``, which
#: ``jQuery.active`` does not see) and turns transitions, animations and Chart.js animations off,
#: so that a view is final as soon as its requests are answered
INSTRUMENT = r"""
(() => {
  if (window.__maPending !== undefined) return;  // installed twice: once is enough
  window.__maPending = 0;
  const fetch0 = window.fetch;
  window.fetch = function (...args) {
    window.__maPending++;
    return fetch0.apply(this, args).then(
      (response) => {  // reading the body is part of the request
        for (const read of ['text', 'json']) {
          const original = response[read].bind(response);
          response[read] = () => { window.__maPending++; return original().finally(() => { window.__maPending--; }); };
        }
        return response;
      }).finally(() => { window.__maPending--; });
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    window.__maPending++;
    this.addEventListener('loadend', () => setTimeout(() => { window.__maPending--; }), {once: true});
    return send.apply(this, args);
  };
  let chart;
  Object.defineProperty(window, 'Chart', {
    configurable: true,
    get() { return chart; },
    set(value) { chart = value; try { value.defaults.animation = false; } catch (e) {} },
  });
  const still = () => {
    const style = document.createElement('style');
    style.textContent = '*, *::before, *::after { transition: none !important; animation-duration: 0s !important;'
      + ' animation-delay: 0s !important; scroll-behavior: auto !important; caret-color: transparent !important; }';
    (document.head || document.documentElement).appendChild(style);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', still); else still();
})();
"""

#: ``async function quiet(condition)``: resolves when the page has been quiet for two polls in
#: a row (50 ms apart: work a page defers with a timer shows up) and two frames were painted;
#: false after ``QUIET_TIMEOUT``
QUIET = r"""
async function quiet(extra) {
  const deadline = Date.now() + QUIET_TIMEOUT_S * 1000;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const shown = (el) => el && el.offsetParent !== null;
  let calm = 0;
  while (Date.now() < deadline) {
    const busy = document.readyState !== 'complete' || (window.__maPending || 0) > 0
      || (window.jQuery && jQuery.active > 0) || document.fonts.status !== 'loaded'
      || Array.from(document.querySelectorAll('.ma-tab-loading, .dt-processing, .spinner-border')).some(shown)
      || (extra && !extra());
    calm = busy ? 0 : calm + 1;
    if (calm >= 2) {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return true;
    }
    await sleep(50);
  }
  return false;
}
""".replace("QUIET_TIMEOUT_S", str(QUIET_TIMEOUT))

#: the probe: ``probe(selector, sectionNames)`` returns {kind: [problem, ...]} for the part of the
#: page under ``selector`` (``CONTENT``, a modal)
PROBE = r"""
function probe(selector, sectionNames) {
// on a phone a user closes AA's side menu (open, it leaves the page 65 px): close it first
if (document.documentElement.clientWidth < 992) {
  const menu = document.getElementById('sidebar');
  if (menu) menu.classList.remove('show');
}
const root = document.querySelector(selector) || document.body;
const out = {overflow: [], contrast: [], raw: [], links: []};
const vw = document.documentElement.clientWidth;
const styles = new Map();
const style = (el) => { let s = styles.get(el); if (!s) { s = getComputedStyle(el); styles.set(el, s); } return s; };

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
  const cs = style(el);
  if (cs.display === 'none' || cs.visibility !== 'visible') return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}
function scrolls(el) { const o = style(el).overflowX; return o === 'auto' || o === 'scroll'; }
function clips(el) { const o = style(el).overflowX; return o === 'hidden' || o === 'clip'; }
function insideScroller(el, stop) {  // a scroller (or a clipping box) between el and stop
  for (let e = el.parentElement; e && e !== stop; e = e.parentElement) if (scrolls(e) || clips(e)) return true;
  return false;
}

// --- overflow -----------------------------------------------------------------------------
// AA's content column scrolls itself (.nav-padding is overflow:auto), so "the page" is the root
// element: nothing may reach past its right edge unless a scroller below the root holds it.
const all = Array.from(root.querySelectorAll('*')).filter(visible);
const rects = new Map(all.map(el => [el, el.getBoundingClientRect()]));
const rect = (el) => rects.get(el) || el.getBoundingClientRect();
const rootRight = root.getBoundingClientRect().right;
if (rootRight > vw + 1) {
  // the content column itself grew past the window: something inside cannot shrink; name the
  // widest elements that are not just as wide as their container
  const wide = all.filter(el => !insideScroller(el, root) && style(el).position !== 'fixed'
    && rect(el).right > vw + 1
    && (['TABLE', 'PRE', 'IMG', 'INPUT', 'SELECT', 'CANVAS'].includes(el.tagName)
        || style(el).whiteSpace === 'nowrap' || !/^(block|flex|grid|list-item)$/.test(style(el).display)))
    .sort((a, b) => rect(b).width - rect(a).width).slice(0, 3);
  out.overflow.push(`the content is ${Math.round(rootRight - vw)}px wider than the window; widest inside: `
    + wide.map(el => `${path(el)} ${Math.round(rect(el).width)}px wide ("${text(el)}")`).join('; '));
} else {
  // an element reaching past the page's edge, outside any scroller: the outermost one only
  const edge = rootRight + 1;
  all.forEach(el => {
    const r = rect(el);
    if (r.right <= edge || style(el).position === 'fixed' || insideScroller(el, root)) return;
    const parent = el.parentElement;
    if (parent && parent !== root && rect(parent).right > edge) return;
    out.overflow.push(`${path(el)} reaches ${Math.round(r.right - edge)}px past the page's edge ("${text(el)}")`);
  });
  const sideways = root.scrollWidth - root.clientWidth;
  if (sideways > 1 && !out.overflow.length) out.overflow.push(`the page scrolls sideways by ${sideways}px`);
}
root.querySelectorAll('.card').forEach(card => {
  if (!visible(card)) return;
  const cardEdge = rect(card).right + 1;
  Array.from(card.querySelectorAll('*')).filter(el => rects.has(el)).forEach(el => {
    const r = rect(el);
    if (r.right <= cardEdge || insideScroller(el, card)) return;
    const parent = el.parentElement;
    if (parent !== card && rect(parent).right > cardEdge) return;
    out.overflow.push(`${path(el)} sticks out of its card by ${Math.round(r.right - cardEdge)}px ("${text(el)}")`);
  });
});

// --- contrast -------------------------------------------------------------------------------
const paint = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
const colours = new Map();
function rgba(value) {  // any CSS colour (rgb(), color(srgb ...), oklch(...)) as sRGB + alpha
  const m = value.match(/^rgba?\(([^)]+)\)$/);
  if (m) {
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  if (!colours.has(value)) {  // what the browser paints for it (gamut-mapped to sRGB)
    paint.clearRect(0, 0, 1, 1);
    paint.fillStyle = '#000';
    paint.fillStyle = value;
    paint.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = paint.getImageData(0, 0, 1, 1).data;
    colours.set(value, {r, g, b, a: a / 255});
  }
  return colours.get(value);
}
function over(top, bottom) {  // alpha blending of top over an opaque bottom
  const a = top.a;
  return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1};
}
function background(el) {  // the opaque colour behind el, or null when an image is in the way
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const cs = style(e);
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
function opacity(el) { let o = 1; for (let e = el; e; e = e.parentElement) o *= parseFloat(style(e).opacity); return o; }
const seen = new Set();
all.forEach(el => {
  const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.closest('[disabled], .disabled, .visually-hidden, script, style, option')) return;
  const cs = style(el);
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

// --- links ----------------------------------------------------------------------------------
// hrefs to check for the role (followed by Python), and entity links that go elsewhere
out.viewerLinks = Array.from(new Set(Array.from(root.querySelectorAll('a[href*="/member-audit/character/"]'))
  .map(a => a.href.split('#')[0]).filter(h => /\/member-audit\/character\/\d+\/$/.test(new URL(h).pathname))));
out.hasDetail = !!root.querySelector('.tab-pane.active [data-ma-detail]');
out.switcher = Array.from(document.querySelectorAll('#ma-character-switcher a[href]')).map(a => a.href.split('#')[0]);
root.querySelectorAll('.ma-entity-links a[href]').forEach(a => {
  if (!/^https:\/\/(zkillboard\.com|evewho\.com|evemaps\.dotlan\.net)\//.test(a.href))
    out.links.push(`entity link "${text(a)}" goes to ${a.href}`);
});
return out;
}
"""

#: run asynchronously: wait until quiet (``arguments[2]``: a JS condition that must also hold, or
#: ""), then probe ``arguments[0]`` with the section names ``arguments[1]``
PROBE_WHEN_QUIET = (
    QUIET
    + PROBE
    + r"""
const done = arguments[arguments.length - 1];
const extra = arguments[2] ? new Function(arguments[2]) : null;
const started = performance.now();
quiet(extra).then((calm) => {
  const waited = performance.now();
  try {
    const out = probe(arguments[0], arguments[1]);
    out.timeout = !calm;
    out.waitMs = waited - started;
    out.probeMs = performance.now() - waited;
    done(out);
  }
  catch (e) { done({error: String(e && e.stack || e)}); }
});
"""
)

#: run asynchronously: open the first detail dialog of a viewer tab (a mail body, a contract)
#: and wait until it shows its content; false when the tab has none
OPEN_DETAIL = (
    QUIET
    + r"""
const done = arguments[arguments.length - 1];
const link = document.querySelector('#ma-tab-' + arguments[0] + ' [data-ma-detail]');
if (!link) { done(false); } else {
  link.click();
  quiet(() => {
    const m = document.getElementById('ma-detail-modal');
    const b = document.getElementById('ma-detail-modal-body');
    return !!m && m.classList.contains('show') && !!b && b.innerText.trim().length > 0;
  }).then(done);
}
"""
)

#: run asynchronously: close the detail dialog and wait until it is gone
CLOSE_DETAIL = (
    QUIET
    + r"""
const done = arguments[arguments.length - 1];
const m = document.getElementById('ma-detail-modal');
if (m && window.bootstrap) bootstrap.Modal.getOrCreateInstance(m).hide();
quiet(() => !document.querySelector('.modal.show, .modal-backdrop')).then(done);
"""
)

#: show a tab of the viewer (and close a group's dropdown that opened with it)
SHOW_TAB = (
    "const t = document.getElementById('ma-tab-' + arguments[0] + '-tab');"
    "if (t && window.bootstrap) bootstrap.Tab.getOrCreateInstance(t).show();"
    'document.querySelectorAll(\'[data-bs-toggle="dropdown"][aria-expanded="true"]\')'
    ".forEach(d => bootstrap.Dropdown.getOrCreateInstance(d).hide());"
)
#: the JS condition of a shown, loaded viewer tab
TAB_READY = (
    "const p = document.getElementById('ma-tab-{tab}');"
    "return !!p && p.classList.contains('active') && !p.querySelector('.ma-tab-loading');"
)


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


def instrument(driver) -> None:
    """Install ``INSTRUMENT`` in every page the browser opens from now on (once per browser)."""
    if not getattr(driver, "_ma_instrumented", False):
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT})
        driver._ma_instrumented = True


#: views saved as PNG while they are checked (``--out``): (role, view) -> file name stem; every
#: one at both widths in both themes, e.g. ``viewer-overview-laptop-dark.png``
README_VIEWS = {
    ("member", "launcher"): "launcher",
    ("member", "viewer #overview"): "viewer-overview",
    ("member", "viewer #skills"): "viewer-skills",
    ("member", "viewer #wallet_journal"): "viewer-wallet-journal",
    ("member", "viewer #mail (detail dialog)"): "viewer-mail",
    ("auditor", "finder"): "finder",
    ("leadership", "reports"): "reports",
}


class LayoutChecker:
    """Runs ``PROBE`` on pages of a signed-in ``Browser`` and collects failures."""

    def __init__(self, browser, say, report=None, shots_dir: Path | None = None) -> None:
        self.report = report  # an open file: failures are written as they are found
        self.browser = browser
        self.driver = browser.driver
        self.driver.set_script_timeout(QUIET_TIMEOUT + 30)
        self.say = say
        self.failures: list[Failure] = []
        self.section_names: list[str] = []
        self.probes = 0
        self.wait_ms = self.probe_ms = 0.0  # in the page: waiting until quiet, probing
        self.shots_dir = shots_dir
        self.shots: list[Path] = []
        self.role = ""
        self.link_status: dict[str, int] = {}  # per role: href -> HTTP status

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
        self.theme_status = status

    def _check_theme(self, theme: str, page: str) -> None:
        dark = bool(
            self.driver.execute_script(
                "const c = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);"
                "return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) < 128;"
            )
        )
        if dark != (theme == "dark"):
            self._add(
                [
                    Failure(
                        page, "-", theme, "theme", f"POST /theme/ answered {self.theme_status}; not {theme}"
                    )
                ]
            )

    # --- probing --------------------------------------------------------------------------------
    def _add(self, found: list[Failure]) -> None:
        self.failures += found
        if self.report and found:
            self.report.write("".join(f"{failure}\n" for failure in found))
            self.report.flush()

    def probe(self, page: str, width: str, theme: str, selector: str = CONTENT, ready: str = "") -> dict:
        """Wait until the view is quiet (and ``ready``, a JS condition, holds), then probe it."""
        result = self.driver.execute_async_script(PROBE_WHEN_QUIET, selector, self.section_names, ready)
        self.probes += 1
        self.wait_ms += result.get("waitMs", 0)
        self.probe_ms += result.get("probeMs", 0)
        if "error" in result:
            self._add([Failure(page, width, theme, "probe", result["error"][:500])])
            return result
        if result.get("timeout"):
            self._add([Failure(page, width, theme, "load", f"not quiet after {QUIET_TIMEOUT} s")])
        found = []
        for kind in ("overflow", "contrast", "raw", "links"):
            items = result.get(kind, [])
            found += [Failure(page, width, theme, kind, item) for item in items[:MAX_PER_KIND]]
            if len(items) > MAX_PER_KIND:
                found.append(Failure(page, width, theme, kind, f"... and {len(items) - MAX_PER_KIND} more"))
        if width == WIDTHS[0][0]:  # links do not change with the width
            found += self._check_links(page, theme, result)
        self._add(found)
        self._save(page, width, theme)
        return result

    def _check_links(self, page: str, theme: str, result: dict) -> list[Failure]:
        """Every viewer link opens for the role; the switcher offers only other characters."""
        found = []
        here = urlsplit(self.driver.current_url).path
        switcher = result.get("switcher", [])
        for href in switcher:
            if urlsplit(href).path == here:
                found.append(
                    Failure(page, "-", theme, "links", f"the switcher offers this character: {href}")
                )
        for href in sorted(set(result.get("viewerLinks", [])) | set(switcher)):
            if href not in self.link_status:
                self.link_status[href] = _status(href, self.browser.cookie_header())
            if self.link_status[href] != 200:
                found.append(
                    Failure(
                        page,
                        "-",
                        theme,
                        "links",
                        f"{href} answers HTTP {self.link_status[href]} to {self.role}",
                    )
                )
        return found

    def _save(self, page: str, width: str, theme: str) -> None:
        view = page.split(": ", 1)[-1]
        view = re.sub(r"^viewer \d+", "viewer", view)
        stem = README_VIEWS.get((self.role, view))
        if stem and self.shots_dir is not None:
            path = self.shots_dir / f"{stem}-{width}-{theme}.png"
            # on a phone the viewer's header fills the screen: show the tab itself
            scroll = width == "phone" and "#" in view and "overview" not in view and "dialog" not in view
            if scroll:
                self.driver.execute_script(
                    "const p = document.querySelector('.ma-tab-content'); if (p) p.scrollIntoView();"
                )
            self.driver.save_screenshot(str(path))
            if scroll:
                self.driver.execute_script(
                    "document.querySelectorAll('.nav-padding').forEach(e => e.scrollTo(0, 0)); window.scrollTo(0, 0);"
                )
            self.shots.append(path)

    def check_page(self, name: str, path: str, theme: str) -> bool:
        """Load ``path`` and probe it (and each of its tabs) at every width; False when it is not there."""
        url = urljoin(self.browser.base_url, path)
        if _status(url, self.browser.cookie_header()) != 200:
            return False
        self.set_width(WIDTHS[0])
        self.driver.get(url)
        self._check_theme(theme, name)
        tabs = self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0] + ' [data-bs-toggle=\"tab\"]'))"
            ".map(t => t.dataset.bsTarget || t.getAttribute('href')).filter(t => t && t.startsWith('#'));",
            CONTENT,
        )
        for index, target in enumerate(tabs or [None]):
            label = name if index == 0 else f"{name} {target}"
            if index:
                self.driver.execute_script(
                    'const t = document.querySelector(`[data-bs-toggle="tab"][data-bs-target="${arguments[0]}"],'
                    ' [data-bs-toggle="tab"][href="${arguments[0]}"]`);'
                    "if (t && window.bootstrap) bootstrap.Tab.getOrCreateInstance(t).show();",
                    target,
                )
            for width in WIDTHS:
                self.set_width(width)
                self.probe(label, width[0], theme)
        return True

    def check_viewer(self, name: str, path: str, theme: str) -> None:
        """The viewer's overview and every tab (and the first detail dialog of a tab) at every width."""
        url = urljoin(self.browser.base_url, path)
        if _status(url, self.browser.cookie_header()) != 200:
            self.say(f"layout: {name} is not open to this role; skipped")
            return
        self.set_width(WIDTHS[0])
        self.driver.get(url)
        self._check_theme(theme, name)
        tabs = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('.tab-pane[id^=\"ma-tab-\"]')).map(p => p.id.slice(7));"
        )
        if not self.section_names:
            self.section_names = [tab for tab in tabs if tab != "overview"]
        for tab in tabs:
            self.driver.execute_script(SHOW_TAB, tab)
            for width in WIDTHS:
                self.set_width(width)
                result = self.probe(f"{name} #{tab}", width[0], theme, ready=TAB_READY.format(tab=tab))
                if result.get("hasDetail"):
                    self._check_detail(f"{name} #{tab}", tab, width[0], theme)
            self.set_width(WIDTHS[0])

    def _check_detail(self, page: str, tab: str, width: str, theme: str) -> None:
        """Open the first detail dialog of the tab (a mail body, a contract) and probe it."""
        if not self.driver.execute_async_script(OPEN_DETAIL, tab):
            return
        self.probe(f"{page} (detail dialog)", width, theme, "#ma-detail-modal .modal-content")
        self.driver.execute_async_script(CLOSE_DETAIL)


#: pages of the app besides the viewer (each checked when the role may open it); a ``None`` path
#: is the first link of the previous page that matches the pattern
PAGES = (
    ("launcher", "member-audit/"),
    ("finder", "member-audit/finder/"),
    ("reports", "member-audit/reports/"),
    ("exports", "member-audit/exports/"),
    ("intel", "member-audit/intel/"),
    ("intel-investigate", "member-audit/intel/investigate/?q=99300001"),
    ("intel-assets", "member-audit/intel/assets/"),
    ("intel-where", "member-audit/intel/where/"),
    ("intel-watch-lists", "member-audit/intel/watch-lists/"),
    ("intel-watch-list", re.compile(r'href="(/member-audit/intel/watch-lists/\d+/)"')),
)


def run_layout_checks(
    browser, roles: list[str], say, character_pk_of, report=None, shots_dir: Path | None = None
) -> tuple[list[Failure], int]:
    """Every role x theme x width: the app's pages and every tab of a viewer of the role.

    ``report``: an open text file that gets every failure as soon as it is found; ``shots_dir``:
    where the PNGs of ``README_VIEWS`` go (none when ``None``). Returns the failures and the
    number of views probed.
    """
    instrument(browser.driver)
    checker = LayoutChecker(browser, say, report, shots_dir)
    started = time.time()
    try:
        for role in roles:
            role_started = time.time()
            browser.sign_in(role)
            checker.role = role
            checker.link_status = {}
            pk = character_pk_of(browser)
            for theme in THEMES:
                checker.set_theme(theme)
                if pk is not None:  # first: it learns the section names from the tabs
                    checker.check_viewer(f"{role}: viewer {pk}", f"member-audit/character/{pk}/", theme)
                previous = ""
                for page, path in PAGES:
                    if isinstance(path, re.Pattern):
                        match = path.search(previous)
                        if not match:
                            continue
                        path = match.group(1).lstrip("/")
                    previous = (
                        checker.driver.page_source
                        if checker.check_page(f"{role}: {page}", path, theme)
                        else ""
                    )
            checker.set_theme("light")  # leave the demo account as it was
            checker.reset_width()
            say(
                f"layout: {role} done in {time.time() - role_started:.0f} s "
                f"({len(checker.failures)} failures so far)"
            )
    finally:
        checker.reset_width()
    say(
        f"layout: {checker.probes} views probed for {len(roles)} roles in {time.time() - started:.0f} s "
        f"(in the pages: {checker.wait_ms / 1000:.0f} s waiting until quiet, {checker.probe_ms / 1000:.0f} s probing)"
    )
    return checker.failures, checker.probes


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
