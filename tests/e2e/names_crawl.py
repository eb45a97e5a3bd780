"""Every name shown is a name: crawl the viewer's tabs and the exports of a loaded demo.

Used by ``tests/e2e/screenshots.py`` (the browser stage of ``.ci/run``) after the demo has loaded:

- every tab of the given characters (the tab's HTML and the first 200 rows of each of its
  server-side tables) is searched for ``#<digits>`` placeholders, which is how a missing name
  used to show; ids that ESI cannot name show as "Unknown (id)" instead;
- every export topic is generated and each CSV row is checked: where an ``X_id`` column has a
  value, its ``X_name`` column must not be blank.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import urllib.request
import zipfile
from urllib.parse import urljoin

TAB_URL = re.compile(r'data-ma-tab-url="([^"]+)"')
TABLE_URL = re.compile(r'data-ma-table-url="([^"]+)"')
TAG = re.compile(r"<[^>]+>")
#: a text that is nothing but ``#<id>``, or an entity-sized id behind ``#`` anywhere in a text
#: (player-given names such as a ship called "Bait #23" are fine)
WHOLE_PLACEHOLDER = re.compile(r"#\d+")
ID_PLACEHOLDER = re.compile(r"(?<![&\w])#\d{5,}\b")


def _get(url: str, cookie: str) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "X-Requested-With": "XMLHttpRequest"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def _text_nodes(markup: str) -> list[str]:
    """The visible texts of an HTML fragment, one per text node."""
    return [html.unescape(part).strip() for part in TAG.split(markup) if part.strip()]


def _placeholders(texts: list[str]) -> list[str]:
    return [text for text in texts if WHOLE_PLACEHOLDER.fullmatch(text) or ID_PLACEHOLDER.search(text)]


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def placeholders_in_viewer(base_url: str, cookie: str, character_pks: list[int]) -> list[str]:
    """``#<digits>`` placeholders on every tab and table of the characters (with where)."""
    found: list[str] = []
    for pk in character_pks:
        viewer = _get(urljoin(base_url, f"member-audit/character/{pk}/"), cookie).decode()
        pages = [("viewer", viewer)]
        for tab_url in sorted(set(TAB_URL.findall(viewer))):
            pages.append((tab_url, _get(urljoin(base_url, html.unescape(tab_url)), cookie).decode()))
        for _where, markup in list(pages):
            for table_url in sorted(set(TABLE_URL.findall(markup))):
                url = urljoin(base_url, html.unescape(table_url))
                url += ("&" if "?" in url else "?") + "draw=1&start=0&length=200"
                data = json.loads(_get(url, cookie))
                texts = [t for value in _strings(data.get("data", [])) for t in _text_nodes(value)]
                found += [f"character {pk}, {table_url}: {t!r}" for t in _placeholders(texts)]
        for where, markup in pages:
            found += [f"character {pk}, {where}: {t!r}" for t in _placeholders(_text_nodes(markup))]
    return found


def blank_names_in_exports(browser, base_url: str, cookie: str, timeout: float = 600) -> list[str]:
    """Generate every export (as a signed-in exports admin) and list rows with an id but no name."""
    driver = browser.driver
    status_url = urljoin(base_url, "member-audit/exports/status/")
    topics = [row["topic"] for row in json.loads(_get(status_url, cookie))["exports"]]
    for topic in topics:
        driver.execute_script(
            "const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));"
            "return fetch(arguments[0], {method: 'POST', credentials: 'same-origin',"
            " headers: {'X-CSRFToken': token ? token.split('=')[1] : ''}}).then(r => r.status);",
            urljoin(base_url, f"member-audit/exports/{topic}/generate/"),
        )
    deadline = time.time() + timeout
    while time.time() < deadline:
        states = {row["topic"]: row["state"] for row in json.loads(_get(status_url, cookie))["exports"]}
        if all(state not in ("queued", "running") for state in states.values()):
            break
        time.sleep(2)
    problems: list[str] = []
    for topic in topics:
        if states.get(topic) != "ready":
            problems.append(f"{topic}: the export did not finish (state {states.get(topic)!r})")
            continue
        data = _get(urljoin(base_url, f"member-audit/exports/{topic}/download/"), cookie)
        archive = zipfile.ZipFile(io.BytesIO(data))
        for member in archive.namelist():
            reader = csv.DictReader(io.TextIOWrapper(archive.open(member), encoding="utf-8-sig"))
            pairs = [
                (column, column[: -len("_name")] + "_id")
                for column in reader.fieldnames or []
                if column.endswith("_name") and column[: -len("_name")] + "_id" in (reader.fieldnames or [])
            ]
            for number, row in enumerate(reader, start=2):
                for name_column, id_column in pairs:
                    if row[id_column].strip() and not row[name_column].strip():
                        problems.append(
                            f"{topic}/{member} line {number}: {id_column}={row[id_column]} has no name"
                        )
    return problems
