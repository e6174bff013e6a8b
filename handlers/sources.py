"""``/mcf sources``: the lists the registry loads, each with its edition and meaning."""

from __future__ import annotations

from handlers.context import Services
from handlers.replies import ListView, SourcesReply
from registry.db import unit_of_work
from registry.editions import list_statuses


def sources(services: Services) -> SourcesReply:
    with unit_of_work(services.registry.sessions) as session:
        statuses = list_statuses(session)
    return SourcesReply(
        tuple(
            ListView(
                id=s.info.id,
                name=s.info.name,
                authority=s.info.authority,
                legal_basis=s.info.legal_basis.title,
                legal_basis_url=s.info.legal_basis.url,
                effect=s.info.effect,
                legal=s.info.legal,
                completeness=s.info.completeness,
                licence=s.info.licence,
                edition=s.edition,
                parties=s.parties,
                listed_now=s.listed_now,
                last_import=s.last_import.isoformat(timespec="seconds") if s.last_import else None,
            )
            for s in statuses
        )
    )
