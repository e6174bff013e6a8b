"""How many of each list's organisations have a Chinese name that a source writes.

An organisation counts when its native name is one of its ``zh`` aliases and that alias
cites a source with a web address: a name we hold without a source does not count.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from registry.models import Alias, Designation, Entity, Source


def chinese_names_by_list(session: Session) -> dict[str, int]:
    """Per list id, the organisations ever on it with a sourced Chinese full name."""
    sourced = (
        select(Alias.entity_id)
        .join(Entity, Entity.id == Alias.entity_id)
        .join(Source, Source.id == Alias.source_id)
        .where(
            and_(
                Alias.lang == "zh",
                Alias.name == Entity.native_name,
                Source.url.like("http%"),
            )
        )
    )
    rows = session.execute(
        select(Designation.list_id, func.count(func.distinct(Designation.entity_id)))
        .where(Designation.entity_id.in_(sourced))
        .group_by(Designation.list_id)
    )
    return {list_id: count for list_id, count in rows}
