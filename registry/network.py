"""An organisation's network, as a picture shows it: who is above it (owners,
supervisors, those it supplies), beside it (joint labs, partners) and below it
(subsidiaries, labs, suppliers), as plain values with layers.

The path to the nearest listed owner (``registry.owners``) is always drawn, up to its
listed end; of the organisation's own ties the strongest are kept (``RelationshipView``'s
order: ties to listed bodies first, then ownership and control) until ``max_nodes``, and
the rest are counted in ``omitted``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.models import Entity, ImportRun
from registry.owners import _legal_listings
from registry.relation_types import relation_type
from registry.views import EntityCard, RelationshipView, lists_loaded

# A picture stays readable up to about this many organisations.
MAX_NODES = 25


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    name: str
    native_name: str | None
    layer: int  # < 0 above the organisation, 0 its row, > 0 below
    lists: tuple[str, ...] = ()  # short names of its current listings of legal effect
    centre: bool = False

    @property
    def listed(self) -> bool:
        return bool(self.lists)


@dataclass(frozen=True, slots=True)
class Edge:
    subject_id: int
    object_id: int
    type: str

    @property
    def label(self) -> str:
        return relation_type(self.type).label


@dataclass(frozen=True, slots=True)
class Network:
    centre_id: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    omitted: int  # the organisation's ties left out of the picture
    data_date: str | None  # the registry's last import, YYYY-MM-DD
    newest_edition: str | None  # the newest list edition loaded, YYYY-MM-DD

    @property
    def centre(self) -> Node:
        return next(n for n in self.nodes if n.id == self.centre_id)

    def alt_text(self) -> str:
        """What the picture shows, in words: every organisation, listed ones with their
        lists (for screen readers and platforms that show no image)."""
        names = []
        for n in self.nodes:
            label = n.name + (f" ({n.native_name})" if n.native_name else "")
            if n.lists:
                label += f" [listed: {', '.join(n.lists)}]"
            names.append(label)
        text = f"Network of {self.centre.name}: " + "; ".join(names)
        if self.omitted:
            text += f"; and {self.omitted} more not shown"
        return text

    def caption(self) -> str:
        parts = []
        if self.data_date:
            parts.append(f"Registry data as of {self.data_date}")
        if self.newest_edition:
            parts.append(f"newest list edition {self.newest_edition}")
        if self.omitted:
            parts.append(f"and {self.omitted} more tie{'s' if self.omitted != 1 else ''} not shown")
        return "; ".join(parts) or "Registry data (date not recorded)"


def _layer(tie: RelationshipView) -> int:
    """Negative above the organisation, positive below, 0 beside it."""
    return relation_type(tie.type).reading(tie.direction).layer


def _listings(session: Session, ids: set[int]) -> dict[int, list[str]]:
    """The short names of each organisation's current listings of legal effect (the
    rule is the owner path's: ``registry.owners._legal_listings``)."""
    found = _legal_listings(session, ids, dt.date.today())
    return {entity_id: [x.short_name for x in listed] for entity_id, listed in found.items()}


def network(session: Session, card: EntityCard, max_nodes: int = MAX_NODES) -> Network:
    """The picture's organisations and ties around ``card``'s organisation."""
    layers: dict[int, int] = {card.id: 0}
    edges: list[Edge] = []
    path = card.owner_path
    for depth, hop in enumerate(path.hops if path else (), start=1):
        layers.setdefault(hop.to_id, -depth)
        edges.append(Edge(hop.from_id, hop.to_id, hop.type))
    omitted = 0
    for tie in card.relationships:  # strongest first
        if tie.other_id in layers:
            if not any({e.subject_id, e.object_id} == {card.id, tie.other_id} for e in edges):
                edges.append(_edge(card.id, tie))
            continue
        if len(layers) >= max_nodes:
            omitted += 1
            continue
        layers[tie.other_id] = _layer(tie)
        edges.append(_edge(card.id, tie))
    ids = set(layers)
    rows = session.execute(
        select(Entity.id, Entity.name, Entity.native_name).where(Entity.id.in_(ids))
    ).all()
    listed = _listings(session, ids)
    nodes = tuple(
        Node(
            id=i,
            name=name,
            native_name=native,
            layer=layers[i],
            lists=tuple(listed.get(i, ())),
            centre=i == card.id,
        )
        for i, name, native in sorted(rows, key=lambda r: (layers[r[0]], r[1].casefold()))
    )
    last = session.scalar(select(func.max(ImportRun.started_at)))
    checked = card.checked or lists_loaded(session)
    return Network(
        centre_id=card.id,
        nodes=nodes,
        edges=tuple(edges),
        omitted=omitted,
        data_date=last.date().isoformat() if last else None,
        newest_edition=checked.editions[-1] if checked.editions else None,
    )


def _edge(centre: int, tie: RelationshipView) -> Edge:
    if tie.direction == "out":
        return Edge(centre, tie.other_id, tie.type)
    return Edge(tie.other_id, centre, tie.type)
