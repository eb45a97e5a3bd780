"""Deterministic name and text generators for the emulated world."""

from __future__ import annotations

import random

FIRST_NAMES = [
    "Aura",
    "Bjorn",
    "Cira",
    "Dax",
    "Eira",
    "Fenn",
    "Gala",
    "Hakon",
    "Isha",
    "Jarl",
    "Kaia",
    "Lorn",
    "Mira",
    "Nox",
    "Orin",
    "Pax",
    "Quill",
    "Rhea",
    "Soren",
    "Tala",
    "Ulric",
    "Vara",
    "Wren",
    "Xan",
    "Yara",
    "Zed",
    "Ashan",
    "Brenna",
    "Corvin",
    "Dalia",
    "Esk",
    "Freya",
    "Gideon",
    "Halla",
    "Ivo",
    "Juno",
    "Kestrel",
    "Lyra",
    "Marek",
    "Nadia",
    "Oskar",
    "Petra",
]
LAST_NAMES = [
    "Arkaine",
    "Blackwood",
    "Caldera",
    "Drakon",
    "Elysium",
    "Frostborn",
    "Grimshaw",
    "Halcyon",
    "Ironside",
    "Jetstream",
    "Kuvakei",
    "Lunaris",
    "Morrow",
    "Nightfall",
    "Okaro",
    "Pyrelight",
    "Quasar",
    "Ravenmoor",
    "Starling",
    "Tarkas",
    "Umbra",
    "Vantor",
    "Wolfram",
    "Xenith",
    "Yamato",
    "Zenkai",
    "Akachi",
    "Brightwater",
    "Coldiron",
    "Duskryn",
    "Embercrest",
    "Farrow",
]
CORP_ADJECTIVES = [
    "Crimson",
    "Silent",
    "Iron",
    "Void",
    "Stellar",
    "Obsidian",
    "Golden",
    "Frozen",
    "Burning",
    "Hidden",
    "Eternal",
    "Savage",
    "Quantum",
    "Solar",
    "Shadow",
    "Azure",
    "Rogue",
    "Noble",
]
CORP_NOUNS = [
    "Vanguard",
    "Syndicate",
    "Industries",
    "Legion",
    "Collective",
    "Holdings",
    "Expedition",
    "Cartel",
    "Brotherhood",
    "Logistics",
    "Armada",
    "Consortium",
    "Directorate",
    "Frontier",
]
ALLIANCE_NOUNS = ["Coalition", "Alliance", "Federation", "Empire", "Pact", "Union", "Accord"]


def unique_person_name(rng: random.Random, used: set[str]) -> str:
    """A first + last name not yet in ``used`` (added to it)."""
    for _ in range(50):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        if name not in used:
            used.add(name)
            return name
    n = 2
    base = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    while f"{base} {n}" in used:
        n += 1
    used.add(f"{base} {n}")
    return f"{base} {n}"


def unique_org_name(rng: random.Random, used: set[str], nouns: list[str]) -> str:
    """An organisation name not yet in ``used`` (added to it)."""
    for _ in range(50):
        name = f"{rng.choice(CORP_ADJECTIVES)} {rng.choice(nouns)}"
        if name not in used:
            used.add(name)
            return name
    n = 2
    while f"{nouns[0]} {n}" in used:
        n += 1
    used.add(f"{nouns[0]} {n}")
    return f"{nouns[0]} {n}"


def ticker_for(name: str, used: set[str]) -> str:
    """A unique ticker of up to 5 characters derived from ``name``."""
    letters = "".join(word[0] for word in name.split()).upper()
    candidate = (letters + name.replace(" ", "").upper())[:4]
    n = 0
    ticker = candidate
    while ticker in used:
        n += 1
        ticker = f"{candidate[:3]}{n}"
    used.add(ticker)
    return ticker


MAIL_SUBJECTS = [
    "Fleet tonight",
    "Re: Buyback prices",
    "Moon extraction schedule",
    "Welcome to the corp!",
    "Doctrine update",
    "Tax change",
    "Stront run needed",
    "Re: Re: Contract",
    "Op success",
    "Recruitment interview",
    "Skill plan for new pilots",
    "Structure timer",
    "Logistics request",
    "Market seeding",
    "Mining op Sunday",
    "War declaration",
    "Jump freighter service",
]
MAIL_LINES = [
    "Form up in {system} at 19:00 EVE time.",
    "Please update your skills for the new doctrine.",
    "The buyback program now pays 95% of Jita buy.",
    "Bring cap boosters and don't forget your drones.",
    "Thanks for joining, fly safe o7",
    "Check the corp bulletin for the latest timers.",
    "We need haulers for a run from {system} to Jita.",
]
HOSTILE_SNIPPETS = [
    '<script>alert("xss")</script>',
    '<img src="x" onerror="alert(document.cookie)">',
    '<a href="javascript:alert(1)">claim your free PLEX</a>',
    '<font size="12" color="#ffff0000" onmouseover="alert(2)">hover me</font>',
    '<iframe src="https://evil.example/phish"></iframe>',
]


def mail_body(
    rng: random.Random,
    sender: tuple[int, str],
    mention: tuple[int, str],
    system: tuple[int, str],
    hostile: bool,
) -> str:
    """A mail body in EVE markup (fonts, showinfo links, ``<br>``), optionally hostile."""
    lines = []
    lines.append(
        f'<font size="12" color="#bfffffff">Hi <a href="showinfo:1377//{mention[0]}">{mention[1]}</a>,<br><br>'
    )
    for _ in range(rng.randint(1, 4)):
        line = rng.choice(MAIL_LINES).format(system=f'<a href="showinfo:5//{system[0]}">{system[1]}</a>')
        lines.append(f"{line}<br>")
    if rng.random() < 0.3:
        lines.append('<font size="14" color="#ffd98d00"><b>Important:</b></font> read the wiki at ')
        lines.append('<a href="https://wiki.example.org/doctrines">our wiki</a>.<br>')
    if hostile:
        lines.append(rng.choice(HOSTILE_SNIPPETS) + "<br>")
    lines.append(f'<br>o7<br><a href="showinfo:1377//{sender[0]}">{sender[1]}</a></font>')
    return "".join(lines)


def bio(rng: random.Random, name: str, hostile: bool, recruiter_id: int) -> str:
    """A character description in EVE markup, linking to a recruiter (a character of the world)."""
    text = (
        f'<font size="13" color="#bfffffff">{name} flies for fun and profit.<br>'
        f'<b>Contact:</b> <a href="showinfo:1377//{recruiter_id}">Recruiter</a></font>'
    )
    if hostile:
        text += "<br><img src=x onerror=\"alert('bio')\">"
    if rng.random() < 0.3:
        text += '<br><font size="12" color="#ff00ff00">Looking for a corp.</font>'
    return text
