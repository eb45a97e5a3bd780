"""Member Audit: full, auditable access to the characters of an Alliance Auth community."""

__version__ = "0.1.0"
__title__ = "Member Audit"
