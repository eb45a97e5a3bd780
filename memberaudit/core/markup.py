"""EVE markup (mail bodies, bios, notification texts, titles) turned into safe HTML.

Pure functions, no Django I/O. Everything that comes from EVE is untrusted user text: the
sanitizer keeps an allowlist of tags, drops scripts, event handlers and ``style``, and
rewrites what EVE's client understands into what a browser can show safely:

- ``<font size="14" color="#ffff0000">`` becomes
  ``<span class="ma-eve-color" style="--ma-eve-color:#ff0000;font-size:1.17em">``. EVE's client
  draws light text on black, so its colours are not readable on a light page: greys and white
  (EVE's default text colour) are dropped, a hue is kept only as a CSS variable that the page
  mixes with its own text colour (``viewer_tabs.css``), readable in the light and dark themes.
  Sizes become relative to the page's text (EVE's 12 px = 1em), within 0.85-1.5em. The style
  is composed here from a validated hex colour and an integer size, never copied from the
  input;
- ``showinfo:TYPEID//ITEMID`` links point to public info sites (EveWho for characters,
  corporations and alliances, zKillboard for systems, regions and factions, EVE Ref for types),
  ``killReport:ID:HASH`` to zKillboard; other in-game links keep their text but lose the link;
- only ``http``/``https`` links survive; they open in a new tab without a referrer.
"""

from __future__ import annotations

import html
import re

import nh3

#: tags kept (others are removed, their text kept); script/style lose their content too
ALLOWED_TAGS = frozenset(
    {"a", "b", "br", "i", "u", "em", "strong", "p", "font", "span", "ul", "ol", "li", "blockquote"}
)
_CLEAN_CONTENT_TAGS = frozenset({"script", "style"})
_ATTRIBUTES = {"a": {"href"}, "font": {"size", "color"}}
_URL_SCHEMES = frozenset({"http", "https", "showinfo", "killreport"})

# EVE type ids of things that have a public page of their own
_CHARACTER_TYPE_IDS = frozenset(range(1373, 1387))
_CORPORATION_TYPE_ID = 2
_ALLIANCE_TYPE_ID = 16159
_REGION_TYPE_ID = 3
_SOLAR_SYSTEM_TYPE_ID = 5
_FACTION_TYPE_ID = 30

EVEWHO = "https://evewho.com"
ZKILLBOARD = "https://zkillboard.com"
EVEREF = "https://everef.com"

_SHOWINFO = re.compile(r"^showinfo:(\d{1,10})(?://(\d{1,20}))?$", re.IGNORECASE)
_KILLREPORT = re.compile(r"^killreport:(\d{1,20}):([0-9a-f]{1,64})$", re.IGNORECASE)
_COLOR = re.compile(r"^(?:#|0x)?(?:[0-9a-f]{2})?([0-9a-f]{6})$", re.IGNORECASE)
_FONT_OPEN = re.compile(r'<font((?: (?:size|color)="[^"<>]*")*)>')
_FONT_ATTR = re.compile(r'(size|color)="([^"<>]*)"')

MIN_FONT_SIZE = 8
MAX_FONT_SIZE = 32
#: EVE's default text size in pixels (shown as 1em) and the relative sizes allowed
EVE_BASE_FONT_SIZE = 12
MIN_FONT_EM = 0.85
MAX_FONT_EM = 1.5
#: colours with less saturation than this are greys (EVE's white text): dropped
MIN_SATURATION = 0.2


def showinfo_url(type_id: int, item_id: int | None = None) -> str:
    """A public web page for an in-game ``showinfo`` link."""
    if item_id:
        if type_id in _CHARACTER_TYPE_IDS:
            return f"{EVEWHO}/character/{item_id}"
        if type_id == _CORPORATION_TYPE_ID:
            return f"{EVEWHO}/corporation/{item_id}"
        if type_id == _ALLIANCE_TYPE_ID:
            return f"{EVEWHO}/alliance/{item_id}"
        if type_id == _SOLAR_SYSTEM_TYPE_ID:
            return f"{ZKILLBOARD}/system/{item_id}/"
        if type_id == _REGION_TYPE_ID:
            return f"{ZKILLBOARD}/region/{item_id}/"
        if type_id == _FACTION_TYPE_ID:
            return f"{ZKILLBOARD}/faction/{item_id}/"
    return f"{EVEREF}/type/{type_id}"


def entity_url(category: str | None, entity_id: int | None) -> str:
    """A public page of a character, corporation or alliance ("" for anything else)."""
    if entity_id and category in {"character", "corporation", "alliance"}:
        return f"{EVEWHO}/{category}/{entity_id}"
    return ""


def safe_href(href: str) -> str | None:
    """The link to keep for an ``href`` found in EVE markup, or None to drop it."""
    href = href.strip()
    if match := _SHOWINFO.match(href):
        return showinfo_url(int(match[1]), int(match[2]) if match[2] else None)
    if match := _KILLREPORT.match(href):
        return f"{ZKILLBOARD}/kill/{match[1]}/"
    if re.match(r"^https?://[^\s\"'<>]+$", href, re.IGNORECASE):
        return href
    return None


def css_color(value: str) -> str | None:
    """``#rrggbb`` from EVE's ``#aarrggbb`` / ``#rrggbb`` / ``0xaarrggbb``, or None."""
    match = _COLOR.match(value.strip())
    return f"#{match[1].lower()}" if match else None


def font_size(value: str) -> int | None:
    """A font size in pixels, clamped to a readable range, or None."""
    try:
        size = int(value.strip())
    except ValueError:
        return None
    return max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, size))


def readable_color(value: str) -> str | None:
    """The hue of an EVE colour worth keeping on a web page (``#rrggbb``), or None.

    White, black and greys carry no meaning in EVE text (they are its default colours) and
    are unreadable on one of the two themes: they are dropped.
    """
    color = css_color(value)
    if color is None:
        return None
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    high, low = max(red, green, blue), min(red, green, blue)
    if high == 0 or (high - low) / high < MIN_SATURATION or high - low < MIN_SATURATION:
        return None
    return color


def relative_size(value: str) -> str | None:
    """An EVE font size as a size relative to the page (``"1.17em"``), None for the default."""
    size = font_size(value)
    if size is None:
        return None
    em = max(MIN_FONT_EM, min(MAX_FONT_EM, size / EVE_BASE_FONT_SIZE))
    return None if abs(em - 1) < 0.05 else f"{em:.2f}".rstrip("0").rstrip(".") + "em"


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return safe_href(value)
    if tag == "font" and attr == "color":
        return css_color(value)
    if tag == "font" and attr == "size":
        size = font_size(value)
        return str(size) if size is not None else None
    return value


_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_CLEAN_CONTENT_TAGS),
    attributes={tag: set(attrs) for tag, attrs in _ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    url_schemes=set(_URL_SCHEMES),
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


def _font_to_span(match: re.Match[str]) -> str:
    # Only runs on the sanitizer's output: every attribute here was validated above.
    styles, css_class = [], ""
    for name, value in _FONT_ATTR.findall(match[1]):
        if name == "color" and (color := readable_color(value)):
            styles.append(f"--ma-eve-color:{color}")
            css_class = ' class="ma-eve-color"'
        elif name == "size" and (size := relative_size(value)):
            styles.append(f"font-size:{size}")
    return f'<span{css_class} style="{";".join(styles)}">' if styles else "<span>"


def to_safe_html(text: str | None, *, newlines: bool = True) -> str:
    """Safe HTML for EVE markup; ``newlines`` turns line breaks into ``<br>``.

    The result may be inserted into a page as is (mark it safe in a template).
    """
    if not text:
        return ""
    if newlines:
        text = text.replace("\r\n", "\n").replace("\n", "<br>")
    cleaned = _cleaner.clean(text)
    cleaned = _FONT_OPEN.sub(_font_to_span, cleaned)
    return cleaned.replace("</font>", "</span>")


def to_plain_text(text: str | None) -> str:
    """EVE markup without any tags (for previews and searches); still needs escaping."""
    if not text:
        return ""
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(nh3.clean(text, tags=set(), clean_content_tags=set(_CLEAN_CONTENT_TAGS)))
