"""Thin views, one module per page."""
