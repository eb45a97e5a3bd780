"""Models of Member Audit, one module per domain.

Every module of this package is imported here, so a new domain module only needs to exist.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .assets import CharacterAsset
from .characters import Character, SectionStatus
from .clones import CharacterCloneInfo, CharacterImplant, CharacterJumpClone
from .details import CharacterCorporationHistory, CharacterDetails
from .general import General
from .intel import CharacterInteraction, CounterpartyAffiliation, WatchList, WatchListEntry
from .locations import Location
from .presence import CharacterLocation, CharacterOnlineStatus, CharacterShip
from .skills import CharacterAttributes, CharacterSkill, CharacterSkillpoints, CharacterSkillqueueEntry
from .wallet import CharacterWalletBalance, CharacterWalletJournalEntry, CharacterWalletTransaction

for _module in _pkgutil.iter_modules(__path__):
    _importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "Character",
    "CharacterAsset",
    "CharacterAttributes",
    "CharacterCloneInfo",
    "CharacterCorporationHistory",
    "CharacterDetails",
    "CharacterImplant",
    "CharacterInteraction",
    "CharacterJumpClone",
    "CharacterLocation",
    "CharacterOnlineStatus",
    "CharacterShip",
    "CharacterSkill",
    "CharacterSkillpoints",
    "CharacterSkillqueueEntry",
    "CharacterWalletBalance",
    "CharacterWalletJournalEntry",
    "CharacterWalletTransaction",
    "CounterpartyAffiliation",
    "General",
    "Location",
    "SectionStatus",
    "WatchList",
    "WatchListEntry",
]
