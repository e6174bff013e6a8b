"""An import run that adds and ends nothing writes no change row, yet it may cite a newer
edition on the listings it restates: cards and the editions a record names must follow
it, not stay as they were at the last change (``NameIndex.state``)."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers import dispatch
from handlers.context import ChatContext, Services
from handlers.replies import LookupReply
from registry.db import unit_of_work
from registry.models import Change, Designation, ImportRun, ScreeningRecord, Source

CHAT = ChatContext(platform="slack", channel_id="C1", team_id="T1", user_id="U1")
NEWER = "2099-01-31"  # later than any edition the bundled registry holds


def _ask(services: Services) -> tuple[LookupReply, dict[str, str]]:
    reply = dispatch.respond(services, dispatch.read("Baidu"), CHAT).settled()
    assert isinstance(reply.body, LookupReply) and reply.body.card is not None
    with services.registry.sessions() as session:
        editions = session.scalar(
            select(ScreeningRecord.editions).where(ScreeningRecord.id == reply.records[0])
        )
    return reply.body, dict(editions or {})


def test_a_run_without_changes_still_renews_cards_and_editions(services: Services) -> None:
    before, editions_before = _ask(services)
    assert before.card is not None
    assert _ask(services)[0].card is before.card  # kept while nothing moves
    with unit_of_work(services.registry.sessions) as session:
        changes = session.scalar(select(func.count()).select_from(Change))
        listing = session.scalars(
            select(Designation).where(
                Designation.entity_id == before.card.id, Designation.end.is_(None)
            )
        ).first()
        assert listing is not None
        list_id = listing.list_id
        session.add(ImportRun(source="test", files=["edition.csv"]))
        newer = Source(
            title="A newer edition (test)",
            publisher="Test publisher",
            url="https://publisher.example/edition",
            published=NEWER,
        )
        listing.citations.append(newer)
    with services.registry.sessions() as session:  # the run wrote no change row
        assert session.scalar(select(func.count()).select_from(Change)) == changes
    after, editions_after = _ask(services)
    assert after.card is not None and after.card is not before.card
    assert "A newer edition (test)" in {s.title for s in after.card.sources}
    assert editions_before.get(list_id) != NEWER
    assert editions_after[list_id] == NEWER
