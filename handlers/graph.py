"""``/mcf graph NAME`` and the "Show network" button: what a network picture shows.

The organisation is found as a lookup finds it (an unclear name gets "did you mean",
never a picture of a guess); the picture itself is drawn by the front end
(``bot.render.graph``), which alone imports the drawing library.
"""

from __future__ import annotations

from handlers.context import Services
from handlers.lookup import answer, cards_of
from handlers.replies import GraphReply, LookupReply
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.network import network


def graph(services: Services, query: str) -> GraphReply | LookupReply:
    with unit_of_work(services.registry.sessions) as session:
        index = services.index.current(session)
        found = answer(session, index, query, cards_of(services, session, index))
        if found.status is not MatchStatus.MATCH or found.card is None:
            return found
        return GraphReply(network(session, found.card))


def graph_of(services: Services, entity_id: int) -> GraphReply:
    """The picture for a button: one organisation by id."""
    with unit_of_work(services.registry.sessions) as session:
        card = cards_of(services, session, services.index.current(session))(entity_id)
        return GraphReply(network(session, card))
