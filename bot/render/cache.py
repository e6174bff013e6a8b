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
from typing import TypeVar

from bot.render.layout import match_note
from handlers.cache import MAX_ENTRIES as CARD_ENTRIES
from handlers.cache import ReplyCache
from handlers.replies import EntityCard, LookupReply, Reply
from registry.lookup import MatchStatus

T = TypeVar("T")

# As many as the cards kept (``serve`` renders every card it builds ahead of the first
# asks). A rendered card is some 5-10 kB of dicts: 4,096 per platform is about 30 MB.
MAX_ENTRIES = CARD_ENTRIES


def rendered_card(reply: Reply) -> tuple[EntityCard, Hashable] | None:
    """The card a reply shows and what else its rendering depends on, for a matched card;
    None for every other reply."""
    body = reply.body
    if not isinstance(body, LookupReply) or body.status is not MatchStatus.MATCH:
        return None
    if body.card is None or body.as_of is not None:
        return None  # an answer as of a date is a card of its own, made for one ask
    return body.card, (body.full, match_note(body))


class RenderCache:
    """Rendered cards in a ``ReplyCache`` (the same bound and least-recently-used order).
    Each entry keeps its card alive, so no other card object can take its ``id`` while
    the entry lasts: the id is a safe key."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries = ReplyCache(max_entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, reply: Reply, variant: Hashable, build: Callable[[], T]) -> T:
        """``build()``'s result for ``reply`` rendered as ``variant``, kept when the reply
        is a matched card."""
        shown = rendered_card(reply)
        if shown is None:
            return build()
        card, depends = shown
        # Position 0: a new registry state brings new card objects, hence new keys.
        _card, value = self._entries.get(
            "rendered", (id(card), depends, variant), 0, lambda: (card, build())
        )
        return value
