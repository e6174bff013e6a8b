"""The list catalogue: every list the bundled registry loads is described."""

from __future__ import annotations

from sqlalchemy import select

from registry.catalog import catalog, describe
from registry.models import Designation
from registry.service import Registry


def test_every_bundled_list_is_described(bundled_registry: Registry) -> None:
    with bundled_registry.sessions() as session:
        list_ids = set(session.scalars(select(Designation.list_id).distinct()))
    assert list_ids, "the bundle loads no designation"
    missing = {i for i in list_ids if describe(i) is None and not i.startswith("ftm-")}
    assert not missing, f"lists without a catalogue entry: {sorted(missing)}"


def test_entries_are_complete() -> None:
    for info in catalog().values():
        assert info.effect and len(info.effect) < 300, info.id
        assert info.legal_basis.url.startswith("https://"), info.id
        assert info.completeness in ("complete", "sample"), info.id
