"""Models of Member Audit, one module per domain."""

from .assets import CharacterAsset
from .characters import Character, SectionStatus
from .clones import CharacterCloneInfo, CharacterImplant, CharacterJumpClone
from .details import CharacterCorporationHistory, CharacterDetails
from .general import General
from .locations import Location
from .presence import CharacterLocation, CharacterOnlineStatus, CharacterShip
from .skills import CharacterAttributes, CharacterSkill, CharacterSkillpoints, CharacterSkillqueueEntry
from .wallet import CharacterWalletBalance, CharacterWalletJournalEntry, CharacterWalletTransaction

__all__ = [
    "Character",
    "CharacterAsset",
    "CharacterAttributes",
    "CharacterCloneInfo",
    "CharacterCorporationHistory",
    "CharacterDetails",
    "CharacterImplant",
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
    "General",
    "Location",
    "SectionStatus",
]
