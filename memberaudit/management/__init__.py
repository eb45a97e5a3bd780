"""Management commands of Member Audit and their helpers."""
