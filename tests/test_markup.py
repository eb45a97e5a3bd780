"""EVE markup -> safe HTML (memberaudit.core.markup)."""

from __future__ import annotations

import pytest

from memberaudit.core import markup


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://evil.example"></iframe>',
        '<font color="red;background:url(x)" size="12" onmouseover="alert(1)">x</font>',
        '<font color="#ff0000" style="position:fixed">x</font>',
        "<style>body{display:none}</style>",
        '<a href="showinfo:1377//1" onclick="alert(1)">x</a>',
    ],
)
def test_hostile_markup_comes_out_inert(payload):
    cleaned = markup.to_safe_html(payload).lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "javascript:",
        "data:",
        "<iframe",
        "<svg",
        "<style",
        "<img",
        "position",
        "background",
        "url(",
    ):
        assert bad not in cleaned, (payload, cleaned)


def test_allowed_tags_stay():
    assert markup.to_safe_html("<b>bold</b> <i>it</i> <u>u</u>") == "<b>bold</b> <i>it</i> <u>u</u>"


def test_text_is_escaped():
    assert markup.to_safe_html("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2"


def test_newlines_become_line_breaks():
    assert markup.to_safe_html("a\nb\r\nc") == "a<br>b<br>c"
    assert markup.to_safe_html("a\nb", newlines=False) == "a\nb"


def test_font_becomes_a_span_with_a_validated_colour_and_size():
    html = markup.to_safe_html('<font size="14" color="#ffff0000">Be there</font>')
    assert (
        html == '<span class="ma-eve-color" style="font-size:1.17em;--ma-eve-color:#ff0000">Be there</span>'
    )


@pytest.mark.parametrize("color", ["#ffffffff", "#bfffffff", "#ff000000", "#ffb2b2b2", "0xffe0e0e0"])
def test_white_black_and_grey_text_loses_its_colour(color):
    """EVE's white default text would be white on white in the light theme."""
    html = markup.to_safe_html(
        f'<font size="12" color="{color}">Hello <a href="showinfo:2//5">corp</a></font>'
    )
    assert "color" not in html and "#ff" not in html.lower()
    assert html.startswith("<span>Hello ") and 'href="https://evewho.com/corporation/5"' in html


def test_a_mail_body_with_eve_white_text_renders_without_a_colour():
    body = (
        '<font size="12" color="#ffffffff">Welcome to the corp!</font><br><font color="#ff00ff00">ok</font>'
    )
    html = markup.to_safe_html(body)
    assert "#ffffff" not in html and ";color:" not in html and '"color:' not in html
    assert "--ma-eve-color:#00ff00" in html  # a hue is kept, as a variable the page mixes


@pytest.mark.parametrize(
    "color,expected",
    [
        ("#ff00ff00", "#00ff00"),
        ("#FF0000", "#ff0000"),
        ("0xff123456", "#123456"),
        ("red", None),
        ("#12", None),
    ],
)
def test_colours(color, expected):
    assert markup.css_color(color) == expected


def test_font_sizes_are_relative_and_clamped():
    assert markup.to_safe_html('<font size="999">x</font>') == '<span style="font-size:1.5em">x</span>'
    assert markup.to_safe_html('<font size="1">x</font>') == '<span style="font-size:0.85em">x</span>'
    assert markup.to_safe_html('<font size="12">x</font>') == "<span>x</span>"  # EVE's default
    assert markup.to_safe_html('<font size="big">x</font>') == "<span>x</span>"


@pytest.mark.parametrize(
    "href,url",
    [
        ("showinfo:1377//93265215", "https://evewho.com/character/93265215"),
        ("showinfo:1386//93265215", "https://evewho.com/character/93265215"),
        ("showinfo:2//98000001", "https://evewho.com/corporation/98000001"),
        ("showinfo:16159//99000001", "https://evewho.com/alliance/99000001"),
        ("showinfo:5//30000142", "https://zkillboard.com/system/30000142/"),
        ("showinfo:587", "https://everef.com/type/587"),
        ("showinfo:52678//60003760", "https://everef.com/type/52678"),
        ("killReport:123456:0123abcd", "https://zkillboard.com/kill/123456/"),
        ("https://example.com/a?b=c", "https://example.com/a?b=c"),
    ],
)
def test_links_point_to_public_pages(href, url):
    html = markup.to_safe_html(f'<a href="{href}">x</a>')
    assert f'href="{url}"' in html.replace("&amp;", "&")
    assert 'rel="noopener noreferrer nofollow"' in html and 'target="_blank"' in html


@pytest.mark.parametrize("href", ["joinChannel:-123", "fitting:587:1;2", "ftp://x", "showinfo:abc", "//evil"])
def test_other_links_keep_their_text_only(href):
    html = markup.to_safe_html(f'<a href="{href}">text</a>')
    assert "href" not in html and "text" in html


def test_empty_input():
    assert markup.to_safe_html(None) == "" and markup.to_safe_html("") == ""


def test_plain_text():
    assert markup.to_plain_text("<b>a</b><br>b &amp; <script>x</script>&lt;") == "a\nb & <"


def test_entity_urls():
    assert markup.entity_url("corporation", 5) == "https://evewho.com/corporation/5"
    assert markup.entity_url("faction", 5) == ""
    assert markup.entity_url("character", None) == ""
