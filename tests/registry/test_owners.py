"""The path to the nearest listed owner (``registry.owners``) and the ownership rules of
the catalogue: a small registry built row by row for the cases, and every organisation
of the bundled registry for the properties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.render.json import reply_dict
from bot.render.text import render
from handlers.replies import LookupReply, Reply
from registry import catalog
from registry.db import unit_of_work
from registry.lookup import MatchStatus
from registry.lookup.types import EXACT_NAME
from registry.models import Designation, Entity, Relationship, Source
from registry.owners import MAX_HOPS, nearest_listed_owner
from registry.service import Registry
from registry.views import entity_card

AFFILIATES = "BIS Affiliates Rule"


def _source(name: str) -> Source:
    return Source(title=f"Source for {name}", publisher="Tests", url=f"https://example.org/{name}")


def _chain(
    registry: Registry, types: list[str], list_id: str, start: dt.date | None = None
) -> list[int]:
    """Organisations o0 <types[0]> o1 <types[1]> ... oN, oN on ``list_id``; their ids."""
    with unit_of_work(registry.sessions) as session:
        entities = [
            Entity(key=f"o{i}", name=f"Org {i}", native_name=f"机构{i}")
            for i in range(len(types) + 1)
        ]
        session.add_all(entities)
        session.flush()
        for i, kind in enumerate(types):
            session.add(
                Relationship(
                    subject_id=entities[i].id,
                    object_id=entities[i + 1].id,
                    type=kind,
                    sources=[_source(f"hop{i}")],
                )
            )
        session.add(
            Designation(
                entity_id=entities[-1].id,
                list_id=list_id,
                list_name=list_id,
                start=start or dt.date(2020, 12, 18),
                source=_source("listing"),
            )
        )
        session.flush()
        return [e.id for e in entities]


def _card_text(registry: Registry, entity_id: int) -> tuple[str, dict[str, Any]]:
    with unit_of_work(registry.sessions) as session:
        card = entity_card(session, entity_id)
    assert card is not None
    reply = Reply(LookupReply(card.name, MatchStatus.MATCH, card, how=EXACT_NAME))
    return render(reply), reply_dict(reply)


def test_two_hops_below_a_listed_group_with_each_hops_source(empty_registry: Registry) -> None:
    ids = _chain(empty_registry, ["subsidiary_of", "subsidiary_of"], "us-entity-list")
    text, data = _card_text(empty_registry, ids[0])
    verdict = data["verdict"]
    assert verdict["level"] == "tied"
    assert verdict["text"] == (
        "Tied: a subsidiary of Org 1, a subsidiary of Org 2 — on the Entity List since 2020-12-18"
    )
    path = verdict["tie"]["path"]
    assert [(h["from"]["name"], h["to"]["name"], h["type"]) for h in path] == [
        ("Org 0", "Org 1", "subsidiary_of"),
        ("Org 1", "Org 2", "subsidiary_of"),
    ]
    assert [h["sources"] for h in path] == [
        ["https://example.org/hop0"],
        ["https://example.org/hop1"],
    ]
    # The card shows each hop with its cited source, and the listing it ends at.
    assert "Org 1 is a subsidiary of Org 2 [" in text
    assert "example.org/hop1" in text  # the terminal shows links short
    assert "Org 2: on the Entity List since 2020-12-18" in text


@pytest.mark.parametrize(
    ("types", "list_id", "rule"),
    [
        (["subsidiary_of"], "us-entity-list", True),
        (["subsidiary_of", "subsidiary_of"], "us-meu", True),
        # Control is not ownership: a supervisor does not own what it supervises.
        (["supervised_by"], "us-entity-list", False),
        (["subsidiary_of", "supervised_by"], "us-entity-list", False),
        # Ownership, but of a list no ownership rule reaches.
        (["subsidiary_of"], "us-1260h", False),
        (["subsidiary_of"], "us-ns-cmic", False),
    ],
)
def test_the_affiliates_line_only_for_ownership_paths_to_el_meu_sdn_parties(
    empty_registry: Registry, types: list[str], list_id: str, rule: bool
) -> None:
    ids = _chain(empty_registry, types, list_id)
    text, data = _card_text(empty_registry, ids[0])
    assert data["verdict"]["tie"]["path"] is not None
    assert (AFFILIATES in text) is rule
    assert bool(data["match"]["owner_path"]["rules"]) is rule
    if rule:
        assert "Our data does not state ownership shares." in text


def test_ownership_rules_reach_only_entity_list_meu_and_sdn_parties() -> None:
    reached = {list_id for rule in catalog.rules() for list_id in rule.applies_to}
    assert reached == {"us-entity-list", "us-meu", "us-sdn"}
    assert {r.name for r in catalog.rules_for(["us-sdn"])} == {AFFILIATES, "OFAC 50 Percent Rule"}
    assert catalog.rules_for(["us-1260h", "aspi-unitracker"]) == ()


def test_a_research_tracker_or_a_future_listing_ends_no_path(empty_registry: Registry) -> None:
    tracker = _chain(empty_registry, ["subsidiary_of"], "aspi-unitracker")
    with unit_of_work(empty_registry.sessions) as session:
        assert nearest_listed_owner(session, tracker[0], lambda s: s.id) is None


@pytest.fixture
def edited_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The catalogue as an operator edits it: a copy whose rules a test changes."""
    import copy

    raw = copy.deepcopy(catalog._raw())
    monkeypatch.setattr(catalog, "_raw", lambda: raw)
    catalog.rules.cache_clear()
    yield raw
    catalog.rules.cache_clear()


def test_changing_the_catalogue_entry_changes_the_line(
    empty_registry: Registry, edited_catalogue: dict[str, Any]
) -> None:
    ids = _chain(empty_registry, ["subsidiary_of"], "us-entity-list")
    before, _ = _card_text(empty_registry, ids[0])
    assert "suspended for one year since 2025-11-10" in before
    assert "govinfo.gov/app/details/FR-2025-11-12" in before
    entry = next(r for r in edited_catalogue["rules"] if r["id"] == "bis-affiliates-rule")
    entry.update(
        status="in force again",
        status_date="2026-11-10",
        status_until=None,
        status_note=None,
        status_source={"title": "A later rule", "url": "https://example.org/later-rule"},
    )
    catalog.rules.cache_clear()
    after, data = _card_text(empty_registry, ids[0])
    assert "Status in our catalogue: in force again since 2026-11-10" in after
    assert "example.org/later-rule" in after
    assert "suspended" not in after
    (rule,) = data["match"]["owner_path"]["rules"]
    assert (rule["status"], rule["status_date"]) == ("in force again", "2026-11-10")


def test_a_status_past_its_scheduled_change_says_so(empty_registry: Registry) -> None:
    (rule,) = [r for r in catalog.rules() if r.id == "bis-affiliates-rule"]
    assert rule.status_until is not None
    ids = _chain(empty_registry, ["subsidiary_of"], "us-entity-list")
    text, _ = _card_text(empty_registry, ids[0])
    due = dt.date.today().isoformat() >= rule.status_until
    assert ("has passed: check the rule's current status" in text) is due


def test_every_path_in_the_bundled_registry_is_short_sourced_and_nearest(
    bundled_registry: Registry,
) -> None:
    legal = {i for i, info in catalog.catalog().items() if info.legal}
    today = dt.date.today()
    found = 0
    with unit_of_work(bundled_registry.sessions) as session:
        listed = {
            e
            for e, list_id, start in session.execute(
                select(Designation.entity_id, Designation.list_id, Designation.start).where(
                    Designation.end.is_(None)
                )
            )
            if list_id in legal and (start is None or start <= today)
        }
        starts = session.scalars(
            select(Relationship.subject_id)
            .where(Relationship.type.in_(["subsidiary_of", "supervised_by"]))
            .distinct()
        ).all()
        for entity_id in starts:
            path = nearest_listed_owner(session, entity_id, lambda s: s.id)
            if path is None:
                continue
            found += 1
            assert 1 <= len(path.hops) <= MAX_HOPS
            assert path.hops[0].from_id == entity_id
            chain = [entity_id] + [h.to_id for h in path.hops]
            assert len(set(chain)) == len(chain)  # no cycle
            for a, b in zip(path.hops, path.hops[1:], strict=False):
                assert a.to_id == b.from_id
            assert all(h.sources for h in path.hops), "every hop carries a source"
            assert path.owner_id in listed and path.listed
            # Nearest: nothing listed on the way up.
            assert not listed.intersection(h.to_id for h in path.hops[:-1])
            assert bool(path.rules) == (
                path.ownership
                and any(x.list_id in ("us-entity-list", "us-meu", "us-sdn") for x in path.listed)
            )
    assert found > 300
