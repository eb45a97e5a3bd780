"""Models of Member Audit, one module per domain."""

from .characters import Character, SectionStatus
from .general import General

__all__ = ["Character", "General", "SectionStatus"]
