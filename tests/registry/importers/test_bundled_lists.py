"""The public lists in the bundled registry: one entity per organisation across lists,
listing histories as the lists tell them, and a bundle that loads again as a no-op."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from registry import store
from registry.bundled import BUNDLE, load_bundle
from registry.db import unit_of_work
from registry.models import Change, Entity
from registry.service import Registry

LISTS = ("us-1260h", "ofac-cons", "csl")


def _entity(session, name: str) -> Entity:  # type: ignore[no-untyped-def]
    return session.scalars(select(Entity).where(Entity.name == name)).one()


def test_lists_follow_the_curated_data_in_the_bundle() -> None:
    sources = [source for source, _ in BUNDLE]
    assert sources.index("curated") < sources.index("us-1260h")
    assert sources.index("us-1260h") < sources.index("ofac-cons") < sources.index("csl")


def test_hikvision_is_one_entity_on_both_lists(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        hits = session.scalars(
            select(Entity).where(func.lower(Entity.name).like("%hikvision%"))
        ).all()
        assert [e.key for e in hits] == ["hikvision"]
        (hikvision,) = hits
        lists = {d.list_id: d for d in hikvision.designations}
        assert set(lists) >= {"us-1260h", "us-ns-cmic"}
        assert lists["us-1260h"].start == dt.date(2021, 6, 3)
        assert lists["us-ns-cmic"].start == dt.date(2021, 6, 3)
        assert ("uscc", "91330000733796106P") in {
            (i.scheme, i.value) for i in hikvision.identifiers
        }


def test_ymtc_was_removed_and_relisted(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        ymtc = _entity(session, "Yangtze Memory Technologies Co., Ltd.")
        periods = [(d.start, d.end) for d in ymtc.designations if d.list_id == "us-1260h"]
        assert periods == [
            (dt.date(2024, 1, 31), dt.date(2026, 2, 17)),
            (dt.date(2026, 6, 8), None),
        ]


def test_megvii_listing_ended(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        megvii = _entity(session, "Beijing Megvii Technology Co., Ltd.")
        (listing,) = [d for d in megvii.designations if d.list_id == "us-1260h"]
        assert listing.end == dt.date(2025, 1, 7)


def test_baidus_listing_carries_dods_stated_reason(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        baidu = store.entity_by_key(session, "baidu")
        assert baidu is not None
        (listing,) = [d for d in baidu.designations if d.list_id == "us-1260h"]
        assert listing.start == dt.date(2026, 6, 8)
        assert listing.reason is not None
        assert "military-civil fusion contributor" in listing.reason
        assert listing.source.url.startswith("https://media.defense.gov/2026/Jun/08/")


def test_loading_the_lists_again_changes_nothing(bundled_registry: Registry) -> None:
    with unit_of_work(bundled_registry.sessions) as session:
        # The newest change id (resolution deletes the rows of what it folds, so the
        # number of rows is no id).
        before = session.scalar(select(func.max(Change.id)))
        results = [r for r in load_bundle(session) if r.source in LISTS]
        assert [r.changes for r in results] == [0] * len(results)
        assert all(r.created == 0 and r.merged == [] for r in results)
        ours = select(func.count()).select_from(Change).where(Change.id > (before or 0))
        assert session.scalar(ours.where(Change.source_file.like("%.csv"))) == 0
