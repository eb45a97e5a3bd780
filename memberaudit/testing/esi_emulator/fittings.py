"""EFT fittings of the demo's doctrines, made only of types the emulator serves.

An administrator would paste these into the skill set import; the demo and the tests do the
same. Each names the doctrine in its header, like the skill plans of the demo.
"""

from __future__ import annotations

DOCTRINE_FITTINGS: dict[str, str] = {
    "Rifter (tackle)": """[Rifter, Rifter (tackle)]
Damage Control II
[Empty Low slot]

Warp Scrambler II
1MN Afterburner II /OFFLINE

200mm AutoCannon II, Republic Fleet EMP S
200mm AutoCannon II, Republic Fleet EMP S
125mm Gatling AutoCannon I, EMP S
[Empty High slot]


EMP S x400
Warrior II x1
""",
    "Caldari cruiser (missiles)": """[Caracal, Caldari cruiser (missiles)]
Damage Control II

Large Shield Extender II
Medium Shield Extender II
50MN Microwarpdrive II
Warp Scrambler II


Scourge Heavy Missile x1000
Hobgoblin II x2
""",
    "Mining barge": """[Retriever, Mining barge]
Damage Control II

Medium Shield Extender II

Miner II
Miner II
""",
}
