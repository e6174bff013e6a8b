"""Registry views: one change in the same words wherever it is told (digest, watch
alert, App Home), and the card view's order and numbering."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from handlers.digests import build_digests
from handlers.home import recent_changes
from registry.db import unit_of_work
from registry.importers import run_import
from registry.models import Change, ChangeKind, Subscription
from registry.service import Registry
from registry.views import describe_change, entity_card, lists_loaded

EXTRA = """
sources:
  s:
    title: Test source
    publisher: Tests
    url: https://example.org/t
entities:
  - key: test-parent
    kind: company
    name: "Test Parent Holdings"
  - key: test-child
    kind: company
    name: "Test Child Ltd."
relationships:
  - subject: test-child
    type: subsidiary_of
    object: test-parent
    sources: [s]
"""


def test_a_change_reads_the_same_in_a_digest_and_on_the_app_home(
    bundled_registry: Registry, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA, encoding="utf-8")
    with unit_of_work(bundled_registry.sessions) as session:
        before = session.scalar(select(Change.id).order_by(Change.id.desc()).limit(1)) or 0
        run_import(session, "curated", [extra])
    with unit_of_work(bundled_registry.sessions) as session:
        changes = list(session.scalars(select(Change).where(Change.id > before)))
        tie = next(c for c in changes if c.kind == ChangeKind.RELATIONSHIP_ADDED)
        words = describe_change(session, tie)
        assert words.what == "new tie: is a subsidiary of Test Parent Holdings"
        assert words.source_url == "https://example.org/t"
        (digest,) = build_digests(session, Subscription(kind="all"), changes)
        home = {c.change_id: c for c in recent_changes(session, len(changes))}
    entries = {e.change_ids[0]: e for s in digest.sections for e in s.entries}
    for change in changes:
        told = home[change.id]
        assert entries[change.id].detail == told.brief
        assert entries[change.id].url == told.source_url
    assert home[tie.id].what == entries[tie.id].detail


def test_the_card_view_ranks_ties_and_numbers_sources_in_order(
    bundled_registry: Registry,
) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        checked = lists_loaded(session)
        for entity_id in range(1, 200):
            card = entity_card(session, entity_id)
            if card is None:
                continue
            strengths = [r.strength for r in card.relationships]
            assert strengths == sorted(strengths)
            assert [s.number for s in card.sources] == list(range(1, len(card.sources) + 1))
            assert card.checked == checked
    assert checked.count >= 5 and "DoD 1260H" in checked.names
