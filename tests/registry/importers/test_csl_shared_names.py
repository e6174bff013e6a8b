"""Rows of a list that share a name but not their alternate names are rows of different
organisations (the Entity List titles two CASC institutes alike): they never become one
party, and the shared name never titles the other organisation's card. Checked on small
made-up rows, then over every such name of the bundled CSL files."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from registry.db import unit_of_work
from registry.importers.csl_read import group, read
from registry.importers.csl_rows import Entry
from registry.models import Alias, Entity
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
        _row(1, SHARED, "7th Institute"),
        _row(2, SHARED, "Control Institute", "12th Institute"),
        _row(3, SHARED, "7th Institute", "Structures Institute"),
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


def test_rows_of_one_name_with_other_aliases_and_nothing_else_stay_one_party() -> None:
    # A company's a.k.a.s listed per address ("Chi-Chuang" at one, "Chi-Chung" at the
    # other): other alternate names alone say nothing about another organisation.
    rows = [
        _row(1, "Example Electronics Company Ltd", "Ex-Chuang Electronics Company Ltd"),
        _row(2, "Example Electronics Company Ltd", "Ex-Chung Electronics", "Example-Shenzhen"),
        _row(3, "Example Academy 7", "Example Academy No. 2 Works"),  # the first rows: kept
        _row(4, "Example Academy 7", "Example Academy 7 Works"),
    ]
    assert [[r.line for r in p] for p in group(rows)] == [[1, 2], [3, 4]]


def _split_names() -> list[tuple[str, list[list[Entry]]]]:
    """Every name that rows of a bundled file share while the file says they are
    different organisations: the name, and the parties its rows went to."""
    out = []
    for path in CSL_FILES:
        entries = [e for e in read(path).entries if e.in_scope]
        parties = group(entries)
        party_of = {r.line: i for i, party in enumerate(parties) for r in party}
        by_raw: dict[tuple[str, str], set[int]] = {}
        for entry in entries:
            by_raw.setdefault((entry.list_id, entry.name), set()).add(party_of[entry.line])
        for (_, raw), ps in by_raw.items():
            if len(ps) > 1:
                out.append((raw, [parties[i] for i in sorted(ps)]))
    return out


def test_no_card_holds_names_of_two_organisations_a_bundled_file_titles_alike(
    bundled_registry: Registry,
) -> None:
    split = _split_names()
    assert split, "the bundled Entity List titles CASC's 12th Institute rows as the 702nd"
    with unit_of_work(bundled_registry.sessions) as session:
        holders: dict[str, set[int]] = {}
        for entity_id, name in session.execute(select(Alias.entity_id, Alias.name)):
            holders.setdefault(name, set()).add(entity_id)
        titles = {i: n for i, n in session.execute(select(Entity.id, Entity.name))}
    for entity_id, title in titles.items():
        holders.setdefault(title, set()).add(entity_id)
    wrong = []
    for raw, parties in split:
        own = [
            {n for r in party for n in (r.name, *r.aliases) if len(n) > 5 and n != raw}
            for party in parties
        ]
        held = [{i for n in names for i in holders.get(n, ())} for names in own]
        for i, first in enumerate(held):
            # One card per organisation, never titled by a name of another's rows (the
            # shared name is the first rows'; the others give it up).
            others = {n for j, names in enumerate(own) if j != i for n in names}
            if i > 0:
                others.add(raw)
            wrong += [(raw, titles[e], "two") for h in held[i + 1 :] for e in first & h]
            wrong += [(raw, titles[e], "title") for e in first if titles[e] in others]
        # The shared name names the organisation of one of them only.
        with_name = holders.get(raw, set())
        if sum(bool(with_name & h) for h in held) > 1:
            wrong.append((raw, sorted(titles[e] for e in with_name), "shared name"))
    assert not wrong, wrong
