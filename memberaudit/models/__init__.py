"""Models of Member Audit, one module per domain."""

from .general import General

__all__ = ["General"]
