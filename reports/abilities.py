"""What a principal may do with the reports, beyond which rows it sees."""

from __future__ import annotations


def load() -> None:
    """Declares the reports' abilities (filled as the app grows)."""
