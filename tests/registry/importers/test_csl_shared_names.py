"""Rows of a list that share a name but not their alternate names are rows of different
organisations (the Entity List titles two CASC institutes alike): they never become one
party, and the shared name never titles the other organisation's card. Checked on small
made-up rows, then over every such name of the bundled CSL files."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from registry.db import unit_of_work
from registry.importers.csl import Entry, group, read
from registry.importers.lists import org_key
from registry.models import Alias, Entity
from registry.names.aliases import empty_alias
from registry.service import Registry
from tests.conftest import DATA

CSL_FILES = sorted((DATA / "lists" / "csl").glob("*.gz"))
SHARED = "Example Academy 7 Research Institute"


def _row(line: int, name: str, *aliases: str) -> Entry:
    return Entry(
        line=line,
        list_id="us-entity-list",
        name=name,
        aliases=(name, *aliases),
        country="CN",
        citations=(),
        start=dt.date(2001, 5, 14),
        listed=name,
    )


def _names(party: list[Entry]) -> set[str]:
    return {n for row in party for n in (row.name, *row.aliases)}


def test_a_row_titled_like_another_organisation_joins_the_row_its_alternate_names_give() -> None:
    rows = [
        _row(1, SHARED, "Seventh Institute", "Structures Institute"),
        _row(2, SHARED, "Control Institute", "Twelfth Institute"),
        _row(3, "Example Academy 12 Research Institute", "Control Institute", "Twelfth Institute"),
        _row(4, SHARED),  # no alternate names: the name's own party
    ]
    parties = {party[0].name: party for party in group(rows)}
    assert set(parties) == {SHARED, "Example Academy 12 Research Institute"}
    assert [r.line for r in parties[SHARED]] == [1, 4]
    twelfth = parties["Example Academy 12 Research Institute"]
    assert [r.line for r in twelfth] == [3, 2]
    assert SHARED not in _names(twelfth)  # the shared name stays with its own organisation
    assert "Control Institute" not in _names(parties[SHARED])


def test_a_row_titled_like_another_with_no_row_of_its_own_is_a_party_titled_by_its_names() -> None:
    rows = [
        _row(1, SHARED, "Seventh Institute"),
        _row(2, SHARED, "Control Institute", "Twelfth Institute"),
        _row(3, SHARED, "Seventh Institute", "Structures Institute"),
    ]
    parties = sorted(group(rows), key=lambda p: p[0].line)
    assert [[r.line for r in p] for p in parties] == [[1, 3], [2]]
    assert parties[1][0].name == "Control Institute"
    assert SHARED not in _names(parties[1])


def test_rows_of_one_name_that_agree_stay_one_party() -> None:
    rows = [
        _row(1, SHARED, "Seventh Institute"),
        _row(2, SHARED, "Seventh Institute", "Structures Institute"),
        _row(3, SHARED + ".", "Structures Institute"),
    ]
    assert [[r.line for r in p] for p in group(rows)] == [[1, 2, 3]]


def _split_names() -> list[tuple[str, list[set[str]]]]:
    """Every name that rows of a bundled file share while their alternate names differ
    wholly: the name, and each part's distinctive alternate names."""
    out = []
    for path in CSL_FILES:
        entries = [e for e in read(path).entries if e.in_scope]
        by_key: dict[tuple[str, str], list[Entry]] = {}
        for entry in entries:
            by_key.setdefault((entry.list_id, org_key(entry.name)), []).append(entry)
        for (_, key), rows in by_key.items():
            parts: list[set[str]] = []
            for row in rows:
                own = {a for a in row.aliases if org_key(a) != key and empty_alias(a) is None}
                own = {a for a in own if len(a) > 5}  # acronyms are shared by design
                if own and not any(own & p for p in parts):
                    parts.append(own)
                elif own:
                    next(p for p in parts if own & p).update(own)
            if len(parts) > 1:
                out.append((rows[0].name, parts))
    return out


def test_no_card_holds_names_of_two_organisations_a_bundled_file_titles_alike(
    bundled_registry: Registry,
) -> None:
    split = _split_names()
    assert split, "the bundled Entity List titles two CASC institutes alike"
    with unit_of_work(bundled_registry.sessions) as session:
        holders: dict[str, set[int]] = {}
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name)):
            holders.setdefault(name, set()).add(entity_id)
        titles = {i: n for i, n in session.execute(select(Entity.id, Entity.name))}
    for title_id, title in titles.items():
        holders.setdefault(title, set()).add(title_id)
    wrong = []
    for name, parts in split:
        held = [{i for a in part for i in holders.get(a, ())} for part in parts]
        for i, first in enumerate(held):
            for second in held[i + 1 :]:
                if first & second:
                    wrong.append((name, [titles[e] for e in first & second]))
        # The shared name titles, or is held by, the organisation of one part only.
        with_name = holders.get(name, set())
        if sum(bool(with_name & h) for h in held) > 1:
            wrong.append((name, [titles[e] for e in with_name]))
    assert not wrong, wrong
