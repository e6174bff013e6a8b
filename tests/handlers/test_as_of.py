"""Answers as of a date, over the bundled 1260H list: an organisation added in 2025 and
one removed in 2026, asked before, between and after (taken from the data, not named)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from handlers.as_of import reply_as_of
from handlers.context import Services
from handlers.dispatch import handle
from handlers.lookup import show
from handlers.replies import ErrorReply, LookupReply
from handlers.verdict import of_lookup
from registry.db import unit_of_work
from registry.models import Designation, Entity

LIST = "us-1260h"
FISCAL_LIST = "us-dod-1286"
FISCAL_LABEL = "DoD 1286"


def _entity(services: Services, added: int, removed: int | None) -> tuple[int, str, Designation]:
    """An organisation whose only designation is a 1260H period added in ``added`` (and
    removed in ``removed``), so its verdict turns on that period alone."""
    with unit_of_work(services.registry.sessions) as session:
        for d in session.scalars(
            select(Designation).where(Designation.list_id == LIST).order_by(Designation.id)
        ):
            if d.start is None or d.start.year != added:
                continue
            if (d.end.year if d.end else None) != removed:
                continue
            others = session.scalars(
                select(Designation).where(Designation.entity_id == d.entity_id)
            ).all()
            if len(others) == 1:
                return d.entity_id, session.get_one(Entity, d.entity_id).name, d
    pytest.fail(f"no organisation on {LIST} added {added}, removed {removed}")


def _as_of(services: Services, entity_id: int, day: str) -> LookupReply:
    return reply_as_of(show(services, entity_id), dt.date.fromisoformat(day))


def _on_1260h(reply: LookupReply) -> bool:
    assert reply.card is not None
    return any(d.list_id == LIST for d in reply.card.listed_on)


def test_added_in_2025_before_between_and_after(services: Services) -> None:
    entity_id, _, d = _entity(services, 2025, None)
    assert d.start is not None
    before = (d.start - dt.timedelta(days=200)).isoformat()
    after = (d.start + dt.timedelta(days=200)).isoformat()
    early = _as_of(services, entity_id, before)
    assert not _on_1260h(early)
    assert of_lookup(early).level.value != "listed"
    assert of_lookup(early).text.startswith(f"As of {before}: ")
    assert f"later: DoD 1260H from {d.start}" in of_lookup(early).text
    late = _as_of(services, entity_id, after)
    assert _on_1260h(late) and of_lookup(late).level.value == "listed"


def test_removed_in_2026_before_between_and_after(services: Services) -> None:
    entity_id, _, d = _entity(services, 2025, 2026)
    assert d.start is not None and d.end is not None
    days = {
        "before": (d.start - dt.timedelta(days=30)).isoformat(),
        "between": (d.end - dt.timedelta(days=30)).isoformat(),
        "after": (d.end + dt.timedelta(days=30)).isoformat(),
    }
    before, between, after = (_as_of(services, entity_id, v) for v in days.values())
    assert not _on_1260h(before) and not any(
        x.list_id == LIST for x in (before.card.designations if before.card else ())
    )
    assert _on_1260h(between) and of_lookup(between).level.value == "listed"
    assert f"ended {d.end}" in of_lookup(between).text
    assert not _on_1260h(after) and of_lookup(after).level.value != "listed"
    # Today's answer is the same as the answer as of a day after the removal.
    assert of_lookup(show(services, entity_id)).level == of_lookup(after).level


def test_as_of_through_the_command_and_its_record(services: Services) -> None:
    from handlers.context import ChatContext

    _, name, d = _entity(services, 2025, 2026)
    assert d.start is not None
    day = (d.start - dt.timedelta(days=1)).isoformat()
    reply = handle(services, f"{name} as of {day}", ChatContext("slack", "C1", user_id="U1"))
    body = reply.body
    assert isinstance(body, LookupReply) and body.as_of == day
    if body.card is not None:  # the name may be a "did you mean" in a grown registry
        assert not _on_1260h(body)
    with unit_of_work(services.registry.sessions) as session:
        from registry.records import get

        assert get(session, reply.records[0]).as_of == dt.date.fromisoformat(day)


@pytest.mark.parametrize(
    "text", ["Baidu as of 2023-02-30", "Baidu as of tomorrow", "Baidu as of 2999-01-01"]
)
def test_a_bad_date_is_one_clear_line(services: Services, text: str) -> None:
    body = handle(services, text).body
    assert isinstance(body, ErrorReply)
    assert "date" in body.message or "future" in body.message


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_a_fiscal_year_list_as_of_any_day_is_named_by_its_years(services: Services) -> None:
    """Every DoD 1286 period, asked the day before its first year begins and the day
    before its last ends: the card and what came later name fiscal years, never the
    years' bounds as days (DoD published no day)."""
    with unit_of_work(services.registry.sessions) as session:
        periods = session.execute(
            select(Designation.entity_id, Designation.start, Designation.end).where(
                Designation.list_id == FISCAL_LIST
            )
        ).all()
    assert len(periods) > 50
    checked = 0
    for entity_id, start, end in periods[::7]:
        card = show(services, entity_id)
        for day in (start - dt.timedelta(days=1), end and end - dt.timedelta(days=1)):
            if not day:
                continue
            reply = reply_as_of(card, day)
            fiscal = [d for d in reply.card.designations if d.list_id == FISCAL_LIST]
            assert all(not _ISO_DAY.search(d.status) for d in fiscal), fiscal
            later = [x for x in reply.later if x.startswith(FISCAL_LABEL)]
            assert all(not _ISO_DAY.search(x) and " FY" in x for x in later), later
            checked += 1
    assert checked > 10
