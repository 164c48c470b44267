"""Numbers, times and names as the app writes them."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime


def plural(count: int, word: str, words: str | None = None) -> str:
    """``plural(1, "contact")`` → ``"1 contact"``; ``plural(1234, "contact")`` → ``"1,234 contacts"``."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def when(instant: datetime) -> str:
    """An instant in UTC to the minute: ``"2026-11-30 12:00 UTC"``."""
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def folded(text: str) -> str:
    """Lower case without accents, so a search for "gdansk" finds "Gdańsk"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def percent(part: int, whole: int) -> str:
    """``"42%"`` (``"–"`` when the whole is 0)."""
    return f"{part / whole:.0%}" if whole else "–"
