"""Cards rendered once: the Block Kit or Adaptive Card of one card object, per variant.

``handlers.cache.ReplyCache`` hands out one ``EntityCard`` object per entity and
change-log position, so the card object itself is the key: the same object always renders
to the same message. A new registry state brings new card objects, and older entries
age out of the bound (least recently used first).

Only a matched card is kept: "did you mean", "no finding" and check lists depend on the
query and are cheap or rare. The values handed out are shared: callers must not
change them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from bot.render.layout import match_note
from handlers.cache import MAX_ENTRIES as CARD_ENTRIES
from handlers.cache import ReplyCache
from handlers.replies import EntityCard, LookupReply, Reply
from registry.lookup import MatchStatus

T = TypeVar("T")

# Two per card kept (``serve`` renders every card it builds ahead of the first asks: as
# asked by its name, and with the stand-in match note). A rendered card is some 5-10 kB of
# dicts: 8,192 per platform is about 60 MB.
MAX_ENTRIES = 2 * CARD_ENTRIES


# What a card is rendered with in place of its match note. A card asked by an alias or a
# near spelling carries a note of its own ("matched “Baidu Online”: alias"), so most first
# asks of a name would otherwise miss the cache and lay out and render the whole card
# (some 1.5 ms of the 7 ms a fresh ``/mcf`` answer cost under load): the card is rendered
# once with this stand-in, and each ask puts its own note in its place.
NOTE_SLOT = "matched “…”: …"


@dataclass(frozen=True, slots=True)
class Shown:
    """The card a reply shows, what else its rendering depends on, and its match note."""

    card: EntityCard
    full: bool
    note: str | None


def rendered_card(reply: Reply) -> Shown | None:
    """The card a reply shows, for a matched card; None for every other reply."""
    body = reply.body
    if not isinstance(body, LookupReply) or body.status is not MatchStatus.MATCH:
        return None
    if body.card is None or body.as_of is not None:
        return None  # an answer as of a date is a card of its own, made for one ask
    return Shown(body.card, body.full, match_note(body))


class RenderCache:
    """Rendered cards in a ``ReplyCache`` (the same bound and least-recently-used order).
    Each entry keeps its card alive, so no other card object can take its ``id`` while
    the entry lasts: the id is a safe key."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries = ReplyCache(max_entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self,
        reply: Reply,
        variant: Hashable,
        build: Callable[[str | None], T],
        fill: Callable[[T, str], T | None] | None = None,
    ) -> T:
        """``reply`` rendered as ``variant``: ``build(note)`` renders it (``note``: the
        match note to show in place of the reply's own, None for its own), kept when the
        reply is a matched card. ``fill(rendered, note)`` puts a note in place of
        ``NOTE_SLOT`` in a rendering, or says None when that would not give what
        ``build`` would (a platform's size budget); then the reply is rendered whole."""
        shown = rendered_card(reply)
        if shown is None:
            return build(None)
        card = shown.card
        if shown.note is None or fill is None:
            return self._kept(card, (shown.full, shown.note, variant), lambda: build(None))
        slotted = self._kept(card, (shown.full, NOTE_SLOT, variant), lambda: build(NOTE_SLOT))
        filled = fill(slotted, shown.note)
        return build(None) if filled is None else filled

    def _kept(self, card: EntityCard, key: Hashable, build: Callable[[], T]) -> T:
        # Position 0: a new registry state brings new card objects, hence new keys.
        _card, value = self._entries.get("rendered", (id(card), key), 0, lambda: (card, build()))
        return value
