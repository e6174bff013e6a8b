"""Names of organisations a card shows beside a Chinese-only name."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Alias

LATIN = re.compile(r"[A-Za-z]")


def pinyin(name: str) -> str:
    """Our transliteration of a Chinese name, syllable by syllable (never a translation,
    never an official name: the card says so)."""
    from pypinyin import Style, lazy_pinyin  # heavy: only for names with no Latin form

    # A space inside the name comes back as a syllable of its own: one space between words.
    return " ".join(" ".join(lazy_pinyin(name, style=Style.NORMAL, v_to_u=True)).split())


def latin_names(session: Session, ids: set[int]) -> dict[int, str]:
    """A Latin-script name a source gives each of ``ids`` (the first, by alias id)."""
    out: dict[int, str] = {}
    for entity_id, name in session.execute(
        select(Alias.entity_id, Alias.name).where(Alias.entity_id.in_(ids)).order_by(Alias.id)
    ):
        if entity_id not in out and LATIN.search(name):
            out[entity_id] = name
    return out
