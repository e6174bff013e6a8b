"""Load the Commerce Entity List and Military End-User (MEU) list, China and Hong Kong
parties, from trade.gov's Consolidated Screening List (CSL), in trade.gov's own formats.

``mcf-bot import csl FILE`` takes either format, plain or gzipped, and tells them apart by
their content:

- the CSV download (``consolidated.csv``), in its current header (starts with ``_id``) or
  the older one (no ``_id``): one row per party, every list of the CSL together;
- the JSON that trade.gov's search API serves (``{"entities": [...], "count": N,
  "lastUpdate": ...}``), read by ``registry.importers.csl_json``.

Reading is ``registry.importers.csl_read``'s (rows and fields: ``csl_rows``); this module
writes an edition.

What is kept of each party with an address in China or Hong Kong (the country comes from
the addresses; the JSON's ``country`` is always "Unknown"): its name and alternate names,
the effective date, each Federal Register citation as a source that links to the notice
on federalregister.gov (the CSL's own links are short links: never shown), and the
entry's licence requirement and licence review policy, which are what the listing means.
The JSON's ``listingReason`` is a placeholder and is never read. Addresses are not stored.

Editions. The CSL shows current listings only. A file that is a whole edition (see
``Edition.full``) closes the open period of every party of its lists that it no longer
holds, "not in the edition of <date>", cited to that edition; a party that is still
there under a slightly different spelling (``?s`` for ``'s``, spacing, punctuation, one
letter) keeps its period. Extracts never close anything: absence from a sample proves
nothing. The CSV's NS-CMIC rows give the "Linked To:" ties of parties the ``ofac-cons``
importer loaded (joined by OFAC entity number).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import store
from registry.importers.csl_read import group, read
from registry.importers.csl_rows import DIGITS, LIST_NAMES, Edition, Entry
from registry.importers.lists import (
    Incoming,
    Organisations,
    guess_kind,
    is_weak,
    org_key,
    split_trailing_alias,
    unique,
    with_place,
)
from registry.importers.parents import parent_chain
from registry.importers.result import ImportResult
from registry.models import Alias, Designation, Entity, ImportRun, RelationType, Source
from registry.progress import Progress, silent

SOURCE_ID = "csl"
CSL_PUBLISHER = "International Trade Administration (trade.gov)"
CSL_URL = "https://www.trade.gov/consolidated-screening-list"
FR_PUBLISHER = "Federal Register (US Department of Commerce, Bureau of Industry and Security)"
FR_URL = "https://www.federalregister.gov/citation/{volume}-FR-{page}"
# Two spellings of one party in two editions: "Xinjiang Uighur ..." / "Xinjiang Uyghur
# ...". High enough that "CETC 13th" and "CETC 14th" (which differ only in a number, and
# numbers must match anyway) or two firms sharing most words stay apart.
SAME_PARTY_SPELLING = 94.0


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    edition = read(path)  # everything is checked before anything is written
    result = ImportResult(
        source=SOURCE_ID,
        files=[str(path)],
        edition=edition.date,
        rows=edition.rows(),
        columns=list(edition.columns),
        format=edition.format,
        out_of_scope=edition.out_of_scope(),
    )
    Writer(session, edition, result, progress).write()
    session.flush()
    return result


def citation_source(session: Session, citation: str) -> Source:
    volume, page = citation.split(" FR ")
    return store.get_source(
        session,
        title=f"Federal Register, {citation}",
        publisher=FR_PUBLISHER,
        url=FR_URL.format(volume=volume, page=page),
    )


class Writer:
    """Write one edition: parties, their listings, stated parents, closed periods."""

    def __init__(
        self, session: Session, edition: Edition, result: ImportResult, progress: Progress
    ) -> None:
        self.session = session
        self.edition = edition
        self.result = result
        self.progress = progress
        self.orgs = Organisations(session, result, list_ids=list(LIST_NAMES))
        # Every name (acronyms too) of the parties this file lists -> their entity.
        self.by_name: dict[str, Entity] = {}
        # (list, name) -> entities listed before this import (see _listed_before).
        self._listed: dict[tuple[str, str], set[int]] | None = None
        # The name of each row: the parties this edition lists apart from one another.
        self.row_names = frozenset(_fold(e.name) for e in edition.entries)
        # A newer edition of these lists is already loaded: this one adds, never restates.
        self.superseded = edition.date is not None and (
            session.scalar(
                select(ImportRun.id).where(
                    ImportRun.source == SOURCE_ID, ImportRun.edition > edition.date
                )
            )
            is not None
        )

    def edition_source(self, list_id: str) -> Source:
        return store.get_source(
            self.session,
            title=f"{LIST_NAMES[list_id]}, Consolidated Screening List {self.edition.label}",
            publisher=CSL_PUBLISHER,
            url=CSL_URL,
            published=self.edition.date,
        )

    def write(self) -> None:
        scoped = group([e for e in self.edition.entries if e.in_scope])
        closing = self._closing()
        absent = {list_id: self._absent(list_id) for list_id in closing}
        with self.progress("Consolidated Screening List parties", len(scoped)) as advance:
            written = []
            for party in scoped:
                written.append((party, self._party(party, absent.get(party[0].list_id, {}))))
                advance(1)
        for party, entity in written:
            self._stated_parents(party, entity)
        for list_id in closing:
            self._close(list_id, absent[list_id])
        self._links()

    # Parties ----------------------------------------------------------------------

    def _party(self, party: list[Entry], absent: dict[int, Designation]) -> Entity:
        first = party[0]
        incoming = Incoming(
            name=first.name,
            aliases=unique(a for e in party for a in e.aliases),
            country=first.country,
            kind=first.kind or guess_kind(first.name),
        )
        found = self.orgs.resolver.find(incoming.lookup_names()).entity
        group = None
        if found is None:
            respelled = self._respelled(incoming, absent)
            if respelled is not None:
                incoming.lookup.append(respelled.name)
            else:
                # "Dahua Technology" is registered as "Zhejiang Dahua Technology Co., Ltd.":
                # the list may drop the place (one hit only, as every lookup name).
                incoming.lookup += with_place(first.name)
                found = self.orgs.resolver.find(incoming.lookup_names()).entity
        elif found in self._stated_parents_of(first) or _unit_through_tracker_alias(
            incoming, found, self.row_names
        ):
            # A unit that another source names among its group's aliases ("CASIC Second
            # Academy" among CASIC's names): the unit is not the group.
            group = found
            incoming.aliases = [a for a in incoming.aliases if _owner_is_not(a, group)]
        # An acronym another organisation already answers to stays theirs: acronyms of
        # units and their groups repeat across entries ("BIACD" under CASC and under its
        # 13th Institute), and giving it to both would depend on the order of the rows.
        incoming.aliases = [
            a for a in incoming.aliases if not is_weak(a) or not self._held_by_other(a, found)
        ]
        sources = self._sources(party)
        prefer = None if found is not None else self._listed_before(first)
        upserted = self.orgs.upsert(incoming, sources[0], not_=group, prefer=prefer)
        absent.pop(upserted.entity.id, None)
        listing = store.Listing(
            start=min((e.start for e in party if e.start), default=None),
            source=sources[0],
            citations=sources[1:],
            licence_requirement=first.licence_requirement,
            licence_policy=first.licence_policy,
            programmes=first.programmes,
            as_of=dt.date.fromisoformat(self.edition.date) if self.edition.date else None,
            restate=not self.superseded,
        )
        changes = store.sync_listing(
            self.session,
            upserted.entity,
            list_id=first.list_id,
            list_name=first.list_name,
            listing=listing,
        )
        self.orgs.tally(upserted, changes)
        for name in (incoming.name, *incoming.aliases):
            self.by_name.setdefault(_fold(name), upserted.entity)
        return upserted.entity

    def _listed_before(self, entry: Entry) -> Entity | None:
        """The one entity of this name that the list already holds: a unit kept apart
        from its group shares a name with the group's alias, so names alone are
        ambiguous on the next import."""
        if self._listed is None:
            self._listed = {}
            rows = self.session.execute(
                select(Designation.list_id, Entity.name, Entity.id)
                .join(Entity, Entity.id == Designation.entity_id)
                .where(Designation.list_id.in_(self.edition.lists))
                .distinct()
            )
            for list_id, name, entity_id in rows:
                self._listed.setdefault((list_id, name), set()).add(entity_id)
        ids = self._listed.get((entry.list_id, entry.name), set())
        return self.session.get(Entity, next(iter(ids))) if len(ids) == 1 else None

    def _held_by_other(self, acronym: str, mine: Entity | None) -> bool:
        holders = self.session.scalars(
            select(Alias.entity_id).where(Alias.name == acronym, Alias.weak.is_(True))
        ).all()
        return any(mine is None or holder != mine.id for holder in holders)

    def _stated_parents_of(self, entry: Entry) -> list[Entity]:
        """The registry's entities for the parents the listed name states."""
        found = []
        for written in parent_chain(entry.listed or entry.name):
            entity = self.orgs.resolver.find([split_trailing_alias(written)[0]]).entity
            if entity is not None:
                found.append(entity)
        return found

    def _sources(self, party: list[Entry]) -> list[Source]:
        """The notice that listed the party first, then later notices, then the edition."""
        cited = [citation_source(self.session, c) for e in party for c in e.citations]
        return unique_sources([*cited, self.edition_source(party[0].list_id)])

    def _respelled(self, incoming: Incoming, absent: dict[int, Designation]) -> Entity | None:
        """The one party that an earlier edition listed, this one no longer holds under
        that spelling, and whose name is this new party's spelled a little differently."""
        mine = [n for n in incoming.strong_names() if org_key(n)]
        hits = {
            d.entity_id: d.entity
            for d in absent.values()
            for other in _names_of(d.entity)
            if any(same_party_spelling(n, other) for n in mine)
        }
        return next(iter(hits.values())) if len(hits) == 1 else None

    # Parents stated in names ------------------------------------------------------

    def _stated_parents(self, party: list[Entry], entity: Entity) -> None:
        first = party[0]
        chain = parent_chain(first.listed or first.name)
        child = entity
        source = self._sources(party)[0]
        for parent_name in chain:
            parent = self._parent(parent_name, source)
            if parent is None or parent is child:
                break
            self.result.relationships += store.add_relationship(
                self.session, child, parent, RelationType.SUBSIDIARY_OF, sources=[source]
            )
            child = parent

    def _parent(self, written: str, source: Source) -> Entity | None:
        name, acronym = split_trailing_alias(written)
        for candidate in (written, name, acronym):
            if candidate and _fold(candidate) in self.by_name:
                return self.by_name[_fold(candidate)]
        if is_weak(name):
            return None  # an acronym alone names no organisation we could create
        # A spelling variant of an organisation the registry holds is that organisation
        # ("China Electronic Technology Group Corporation" is CETC), never a new one.
        entity = self.orgs.resolver.find([name]).entity or self.orgs.resolver.spelling_variant(name)
        if entity is not None:
            self.orgs.add_names(entity, unique([acronym]), source)
        else:
            incoming = Incoming(
                name=name, aliases=unique([acronym]), country="CN", kind=guess_kind(name)
            )
            entity = self.orgs.upsert(incoming, source).entity
        self.by_name[_fold(written)] = self.by_name[_fold(name)] = entity
        return entity

    # Editions ---------------------------------------------------------------------

    def _closing(self) -> list[str]:
        """The lists whose absent parties this file closes: a whole, dated edition that
        is not older than one already loaded."""
        if not self.edition.full or not self.edition.date or self.superseded:
            return []
        return list(self.edition.lists)

    def _absent(self, list_id: str) -> dict[int, Designation]:
        """Open periods on ``list_id`` whose party no row of this edition names (any
        country: a party whose address is gone is still listed)."""
        listed = {
            org_key(n)
            for e in self.edition.entries
            if e.list_id == list_id
            for n in (e.name, *e.aliases)
            if not is_weak(n)
        }
        open_periods = self.session.scalars(
            select(Designation).where(Designation.list_id == list_id, Designation.end.is_(None))
        )
        return {
            d.entity_id: d
            for d in open_periods
            if not any(org_key(n) in listed for n in _names_of(d.entity))
        }

    def _close(self, list_id: str, absent: dict[int, Designation]) -> None:
        assert self.edition.date  # _closing checks
        end = dt.date.fromisoformat(self.edition.date)
        source = self.edition_source(list_id)
        for designation in absent.values():
            if designation.start is not None and designation.start > end:
                continue
            store.close_listing(
                designation,
                end=end,
                note=f"not in the edition of {self.edition.date}",
                source=source,
            )
            self.result.designations += 1

    # NS-CMIC "Linked To" -----------------------------------------------------------

    def _links(self) -> None:
        for link in self.edition.links:
            party = store.entity_by_identifier(self.session, "ofac", link.entity_number)
            other = self.orgs.resolver.find([link.linked_to]).entity
            if party is None or other is None or party is other:
                continue  # only ties between parties the registry holds
            source = store.get_source(
                self.session,
                title="Non-SDN Chinese Military-Industrial Complex Companies List, "
                f"via the Consolidated Screening List {self.edition.label}",
                publisher="US Department of the Treasury, OFAC",
                url=CSL_URL,
                published=self.edition.date,
            )
            self.result.relationships += store.add_relationship(
                self.session,
                party,
                other,
                RelationType.OTHER,
                sources=[source],
                summary="Treasury's NS-CMIC entry links the two; it does not say which "
                "one owns the other.",
            )


def _unit_through_tracker_alias(
    incoming: Incoming, entity: Entity, listed_apart: frozenset[str]
) -> bool:
    """True when ``incoming`` matches ``entity`` only through an alias the ASPI tracker
    gives it, and the entity is a defence-industry conglomerate or a party this edition
    lists under a row of its own. The tracker lists a group's academies, institutes and
    trading arms among its aliases ("CASIC Second Academy", CAEP's "Sichuan Haitian New
    Technology Group"); a list that names one of them in a row of its own names the unit,
    not the group."""
    trusted = {_fold(entity.name), _fold(entity.native_name or "")} | {
        _fold(a.name)
        for a in entity.aliases
        if a.source is None or not a.source.title.startswith(_TRACKER_TITLE)
    }
    if any(_fold(n) in trusted for n in incoming.strong_names()):
        return False
    conglomerate = any(_CONGLOMERATE in d.list_name for d in entity.designations)
    return conglomerate or bool(trusted & listed_apart)


_CONGLOMERATE = "Defence industry conglomerate"
_TRACKER_TITLE = "China Defence Universities Tracker"


def _owner_is_not(name: str, entity: Entity) -> bool:
    return _fold(name) not in {_fold(n) for n in (entity.name, *(a.name for a in entity.aliases))}


def _names_of(entity: Entity) -> list[str]:
    return [entity.name, *(a.name for a in entity.aliases if not a.weak)]


def same_party_spelling(a: str, b: str) -> bool:
    """Two editions' spellings of one party: the same words in any order with a letter
    or mark changed ("Xinjiang Uighur"/"Uyghur", "Cheung Bako"/"Bako Cheung"), or the
    same name before a place or legal form moved out of it ("JLD Technology" / "JLD
    Technology, Hong Kong Co., Ltd."). Numbers must be the same."""
    pairs = [(org_key(a), org_key(b))]
    head_a, head_b = a.split(",", 1)[0], b.split(",", 1)[0]
    if len(head_a.split()) >= 2 and len(head_b.split()) >= 2:
        pairs.append((org_key(head_a), org_key(head_b)))
    return any(_close(x, y) for x, y in pairs)


def _close(a: str, b: str) -> bool:
    if not a or not b or abs(len(a) - len(b)) > 3:
        return False
    if sorted(DIGITS.findall(a)) != sorted(DIGITS.findall(b)):
        return False
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) >= SAME_PARTY_SPELLING


def _fold(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def unique_sources(sources: Sequence[Source]) -> list[Source]:
    out: list[Source] = []
    for source in sources:
        if all(source is not s for s in out):
            out.append(source)
    return out
