"""An entity's card, from the registry's card view (``registry.views.entity_card``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.errors import NotFound
from handlers.replies import EntityCard
from registry.views import entity_card

__all__ = ["build_card"]


def build_card(session: Session, entity_id: int) -> EntityCard:
    card = entity_card(session, entity_id)
    if card is None:
        raise NotFound("That organisation is no longer in the registry.")
    return card
