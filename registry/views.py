"""Read views of the registry: what a front end shows, as plain values, with no ORM
objects leaking out. Handlers ask for these instead of running queries themselves.

- ``entity_card``: one organisation with its lists (and what each listing means, as of
  which edition), ties, identifiers and numbered sources.
- ``lists_loaded``: which lists the registry holds and as of which editions (what a
  "no finding" answer says it checked).
- ``describe_change``: one change-log row in words, for digests, watch alerts and the
  App Home alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from registry.catalog import ListInfo, catalog, describe, not_held
from registry.currency import grouped_words, stale_lists
from registry.editions import edition_dates, list_statuses
from registry.models import (
    Alias,
    Change,
    ChangeKind,
    Designation,
    Entity,
    Identifier,
    ImportRun,
    Relationship,
    Source,
    relationship_sources,
)
from registry.owners import OwnerPath, nearest_listed_owner

# Sentences read "<this entity> <sentence> <other>", generated from the tie's type.
OUTGOING = {
    "subsidiary_of": "is a subsidiary of",
    "joint_lab": "has a joint lab with",
    "joint_venture": "has a joint venture with",
    "supplies": "supplies",
    "research_partner": "is a research partner of",
    "co_founded": "co-founded",
    "collaborates_with": "collaborates with",
    "supervised_by": "is supervised by",
    "hosted_by": "was hosted by",
    "other": "is linked to",
}
INCOMING = {
    "subsidiary_of": "is the parent of",
    "joint_lab": "has a joint lab with",
    "joint_venture": "has a joint venture with",
    "supplies": "is supplied by",
    "research_partner": "is a research partner of",
    "co_founded": "was co-founded by",
    "collaborates_with": "collaborates with",
    "supervised_by": "supervises",
    "hosted_by": "hosted",
    "other": "is linked to",
}

# Which tie says most about an organisation: being part of, or run by, another body
# first; then joint bodies and supplying the military; then looser cooperation; owning
# others (which can be hundreds) last. A tie to a listed body beats any tie to an
# unlisted one (``RelationshipView.strength``).
TIE_RANK = {
    "subsidiary_of:out": 0,
    "supervised_by:out": 1,
    "joint_venture:out": 2,
    "joint_venture:in": 2,
    "joint_lab:out": 3,
    "joint_lab:in": 3,
    "co_founded:in": 4,
    "supplies:out": 5,
    "research_partner:out": 6,
    "research_partner:in": 6,
    "collaborates_with:out": 7,
    "collaborates_with:in": 7,
    "hosted_by:out": 8,
}
_OTHER_TIES = 9  # every other type and direction (parent of, supervises, supplied by...)


@dataclass(frozen=True, slots=True)
class SourceRef:
    number: int
    title: str
    publisher: str
    url: str
    date: str | None


@dataclass(frozen=True, slots=True)
class DesignationView:
    list_id: str
    list_name: str
    start: str | None
    end: str | None
    status: str  # "listed since 2021-06-03", "removed on 2025-01-07", "relisted on ..."
    reason: str | None
    source: int  # number into the card's sources
    source_url: str
    # From the list catalogue and the import runs (None where unknown):
    short_name: str | None = None  # "DoD 1260H"
    effect: str | None = None  # what a listing means, in our own words
    edition: str | None = None  # the date of the edition loaded, YYYY-MM-DD
    legal: bool = True  # False for research trackers
    next_step: str | None = None  # what to do about it, where the list implies a step
    next_step_url: str | None = None
    # This entry's own terms where the list gives them (the Entity List's licence
    # requirement and review policy), and a tracker's category and risk rating.
    licence_requirement: str | None = None
    licence_policy: str | None = None
    # The sanctions programmes the entry names (SDN: "NPWMD; IFSR").
    programmes: str | None = None
    category: str | None = None
    risk: str | None = None
    # Further sources of the listing (a rating folded into it, later notices), numbered.
    citations: tuple[int, ...] = ()
    # Why the period ended when no end date is published ("not in the edition of ...").
    end_note: str | None = None
    reason_source: int | None = None  # the edition that states the reason
    end_reason: str | None = None  # why removed, as the list says ("No apparent U.S. nexus")
    end_source: int | None = None  # the edition that states the end
    effect_short: str | None = None  # ``effect`` in a few words (the catalogue's)
    # A list of fiscal years (DoD 1286): the years as the list states them, "FY2022–FY2025";
    # ``start`` and ``end`` are then the years' bounds, which no publisher stated.
    years: str | None = None

    @property
    def active(self) -> bool:
        return self.end is None

    @property
    def label(self) -> str:
        return self.short_name or self.list_name


@dataclass(frozen=True, slots=True)
class RelationshipView:
    type: str
    direction: str  # "out": this entity is the subject; "in": it is the object
    sentence: str  # "is a subsidiary of", "has a joint lab with" ...
    other_id: int
    other_name: str
    summary: str | None
    start: str | None
    end: str | None
    sources: tuple[int, ...]
    other_listed: bool = False  # the other organisation is on a list with legal effect today
    other_lists: tuple[str, ...] = ()  # short names of those lists
    other_tracked: tuple[str, ...] = ()  # research trackers naming it (no legal effect)
    # For a body named only in Chinese: a Latin-script name a source gives it, else our
    # pinyin transliteration (``other_pinyin``), which the card marks as ours.
    other_english: str | None = None
    other_pinyin: str | None = None

    @property
    def strength(self) -> tuple[bool, int, str]:
        """Sort key, strongest first: ties to listed bodies, then by type."""
        rank = TIE_RANK.get(f"{self.type}:{self.direction}", _OTHER_TIES)
        return (not self.other_listed, rank, self.other_name.casefold())


@dataclass(frozen=True, slots=True)
class IdentifierView:
    scheme: str  # "uscc", "ofac", ...
    value: str
    source: int | None


@dataclass(frozen=True, slots=True)
class CheckedList:
    """One list a name is checked against, with the edition held."""

    id: str
    short_name: str
    edition: str | None  # "2025-11-08", or "FY2025" for a fiscal-year list
    complete: bool = True  # False: a sample (absence there proves little)
    legal: bool = True


@dataclass(frozen=True, slots=True)
class ListsLoaded:
    """What the registry checked a name against: its lists, each as of its own edition,
    and the well-known lists it does not hold. ``mcf-bot sources`` counts the same lists."""

    lists: tuple[CheckedList, ...]  # in catalogue order
    not_held: tuple[str, ...] = ()  # short names of well-known lists not loaded
    # Copies older than their publisher's rhythm ("MEU List copy of 2022-04-21"), grouped
    # by edition (``registry.currency``).
    stale: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.short_name for c in self.lists)

    @property
    def editions(self) -> tuple[str, ...]:
        """The dated editions among them, oldest first."""
        return tuple(sorted({c.edition for c in self.lists if c.edition}))

    @property
    def samples(self) -> tuple[str, ...]:
        return tuple(c.short_name for c in self.lists if not c.complete)

    @property
    def count(self) -> int:
        return len(self.lists)


@dataclass(frozen=True, slots=True)
class EntityCard:
    id: int
    key: str
    name: str
    native_name: str | None
    kind: str
    country: str | None
    aliases: tuple[str, ...]
    summary: str | None
    summary_sources: tuple[int, ...]
    designations: tuple[DesignationView, ...]
    relationships: tuple[RelationshipView, ...]  # strongest first
    sources: tuple[SourceRef, ...]
    identifiers: tuple[IdentifierView, ...] = ()
    checked: ListsLoaded | None = None
    # The shortest chain of ownership/control ties to a listed organisation (``registry.owners``).
    owner_path: OwnerPath | None = None

    @property
    def listed_on(self) -> list[DesignationView]:
        return [d for d in self.designations if d.active]


class _Numbering:
    def __init__(self) -> None:
        self.refs: dict[int, SourceRef] = {}

    def number(self, source: Source) -> int:
        ref = self.refs.get(source.id)
        if ref is None:
            ref = SourceRef(
                number=len(self.refs) + 1,
                title=source.title,
                publisher=source.publisher,
                url=source.url,
                date=source.published,
            )
            self.refs[source.id] = ref
        return ref.number


def _status(
    d: Designation,
    relisted: bool,
    legal: bool = True,
    today: dt.date | None = None,
    years: str | None = None,
) -> str:
    """The period in words. No citation marks: the layout numbers what it shows (the
    end's source is ``DesignationView.end_source``)."""
    if years:
        # A fiscal-year list: the years it names, never a day no publisher stated.
        when = f"on the {years} list{'s' if '–' in years else ''}"
        if d.end is not None and d.end_note:
            return f"{when}; {d.end_note}"
        return f"{when}; not on the later lists" if d.end is not None else when
    if d.start is None:
        # A research tracker records no listing date; a list that should have one says so.
        return "on the tracker (no date given)" if not legal else "listed (date not stated)"
    start = d.start.isoformat()
    if d.start > (today or dt.date.today()):
        # A statute naming it with a later effective date (NDAA s.154: 2027-10-01).
        return f"from {start} (not yet in force)"
    if d.end is not None and d.end_note:
        # No removal date is published: say only what the edition shows.
        return f"listed {start}; {d.end_note}"
    if d.end is not None:
        # The list's own reason for a removal is no reason for the listing.
        why = f" (reason given for the removal: {d.end_reason})" if d.end_reason else ""
        return f"listed {start}, removed on {d.end.isoformat()}{why}"
    return f"relisted on {start}" if relisted else f"listed since {start}"


# Further documents a card cites per listing, beside the one that states the start. A
# party the Entity List amended many times (Huawei: 16 notices) would otherwise fill a
# short card with citations; the list editions read come first, then the newest notices.
MAX_CITATIONS = 3


def _cited(citations: Sequence[Source]) -> list[Source]:
    editions = [c for c in citations if c.published]
    notices = [c for c in citations if not c.published]
    return (editions + notices[::-1])[:MAX_CITATIONS]


# The restrictions an Entity List review policy can state, strongest first.
RESTRICTIONS = (
    ("policy of denial", re.compile(r"\bpolicy of denial\b", re.IGNORECASE)),
    ("presumption of denial", re.compile(r"\bpresumption (?:of|for) denial\b", re.IGNORECASE)),
    ("case-by-case review", re.compile(r"\bcase[- ]by[- ]case\b", re.IGNORECASE)),
    ("presumption of approval", re.compile(r"\bpresumption of approval\b", re.IGNORECASE)),
)


def strongest_restriction(policy: str | None) -> str | None:
    """The strongest restriction a licence review policy states, in its usual words."""
    for words, pattern in RESTRICTIONS:
        if policy and pattern.search(policy):
            return words
    return None


_LATIN = re.compile(r"[A-Za-z]")


def pinyin(name: str) -> str:
    """Our transliteration of a Chinese name, syllable by syllable (never a translation,
    never an official name: the card says so)."""
    from pypinyin import Style, lazy_pinyin  # heavy: only for names with no Latin form

    # A space inside the name comes back as a syllable of its own: one space between words.
    return " ".join(" ".join(lazy_pinyin(name, style=Style.NORMAL, v_to_u=True)).split())


def latin_names(session: Session, ids: set[int]) -> dict[int, str]:
    """A Latin-script name a source gives each of ``ids`` (the first, by alias id)."""
    out: dict[int, str] = {}
    for entity_id, name in session.execute(
        select(Alias.entity_id, Alias.name).where(Alias.entity_id.in_(ids)).order_by(Alias.id)
    ):
        if entity_id not in out and _LATIN.search(name):
            out[entity_id] = name
    return out


_YEARS = re.compile(r", (FY\d{4}(?:–FY\d{4})?)$")


def _years(d: Designation, info: ListInfo | None) -> str | None:
    """A fiscal-year list's years, as its importer names them in the list name."""
    if info is None or info.dated_by != "fiscal_year":
        return None
    found = _YEARS.search(d.list_name)
    return found.group(1) if found else None


def _category(d: Designation) -> str | None:
    # The ASPI importer names the category in the list name: "... (category: Military)".
    own = getattr(d, "category", None)
    if own:
        return str(own)
    marker = "(category: "
    if marker in d.list_name and d.list_name.endswith(")"):
        return d.list_name.split(marker, 1)[1][:-1]
    return None


def _attr(obj: Any, *names: str) -> str | None:
    """A field another change may add to the model (tolerated while it is absent)."""
    for name in names:
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return None


# A rating list is shown on the line of the list it rates: ASPI's risk rating beside the
# tracker's category, citing both sources.
def _ratings() -> dict[str, str]:
    return {i.id: i.rates for i in catalog().values() if i.rates}


RATINGS = _ratings()
_RATING = re.compile(r"risk rating: ([a-z][a-z -]*?)(?: \(|$)", re.IGNORECASE)


def _fold_ratings(views: list[DesignationView]) -> list[DesignationView]:
    out = list(views)
    for rating in [v for v in views if v.list_id in RATINGS and v.active]:
        rated = next(
            (i for i, v in enumerate(out) if v.list_id == RATINGS[rating.list_id] and v.active),
            None,
        )
        if rated is None:
            continue
        target = out[rated]
        out[rated] = replace(
            target,
            risk=rating.risk or target.risk,
            citations=(*target.citations, rating.source, *rating.citations),
        )
        out.remove(rating)
    return out


def _risk(d: Designation) -> str | None:
    own = _attr(d, "risk", "risk_rating")
    if own:
        return own
    found = _RATING.search(d.list_name)
    return found.group(1) if found else None


_DATED = re.compile(r"^\d{4}(-\d\d){0,2}$")


def list_editions(session: Session) -> dict[str, str]:
    """Per list id, the date of the edition loaded: the newest publication date among
    the documents its listings cite (each list edition read is one), else the edition
    its importer recorded, where that is a date (cached for the session)."""
    cache: dict[str, str] | None = session.info.get("mcf_editions")
    if cache is not None:
        return cache
    # The same dates ``mcf-bot sources`` shows (further citations, such as a newer edition
    # that restates a listing, count).
    editions = dict(edition_dates(session))
    by_importer: dict[str, set[str]] = {}
    for source, edition in session.execute(
        select(ImportRun.source, ImportRun.edition).where(ImportRun.edition.is_not(None))
    ):
        by_importer.setdefault(source, set()).add(str(edition))
    for list_id in session.scalars(select(Designation.list_id).distinct()):
        info = describe(list_id)
        dated = sorted(
            e for e in by_importer.get(info.importer if info else "", ()) if _DATED.match(e)
        )
        if list_id not in editions and dated:
            editions[list_id] = dated[-1]
    session.info["mcf_editions"] = editions
    return editions


def lists_loaded(session: Session) -> ListsLoaded:
    """The lists a name is checked against: every list of the catalogue with at least one
    party loaded (a rating is part of the list it rates), each with its own edition, then
    lists only an FtM import knows; and the well-known lists not held (cached for the
    session). ``mcf-bot sources`` counts lists with this function too."""
    cached: ListsLoaded | None = session.info.get("mcf_lists_loaded")
    if cached is not None:
        return cached
    statuses = list_statuses(session)
    checked = [
        CheckedList(
            id=s.info.id,
            short_name=s.info.short_name,
            edition=s.edition,
            complete=s.info.completeness == "complete",
            legal=s.info.legal,
        )
        for s in statuses
        # A list read whole with no party of ours (ITAR debarred) was checked too.
        if (s.parties or s.edition) and not s.info.rates
    ]
    known = {c.id for c in checked}
    extra = session.execute(
        select(Designation.list_id, func.min(Designation.list_name))
        .where(Designation.list_id.not_in(list(catalog())))
        .group_by(Designation.list_id)
        .order_by(Designation.list_id)
    ).all()
    editions = list_editions(session)
    checked += [
        CheckedList(id=i, short_name=_short(None, name), edition=editions.get(i))
        for i, name in extra
    ]
    empty = [
        s.info.short_name for s in statuses if not s.parties and not s.edition and not s.info.rates
    ]
    loaded = ListsLoaded(
        lists=tuple(checked),
        not_held=tuple(
            dict.fromkeys([*empty, *(n.short_name for n in not_held() if n.id not in known)])
        ),
        stale=grouped_words(stale_lists(session, editions)),
    )
    session.info["mcf_lists_loaded"] = loaded
    return loaded


def _short(info: ListInfo | None, list_name: str) -> str:
    if info is not None:
        return info.short_name
    return list_name.split(" (category: ", 1)[0]


def entity_card(session: Session, entity_id: int) -> EntityCard | None:
    """One organisation's card, or None when it is no longer in the registry."""
    entity = session.scalars(
        select(Entity)
        .where(Entity.id == entity_id)
        .options(
            selectinload(Entity.aliases),
            selectinload(Entity.identifiers).selectinload(Identifier.source),
            selectinload(Entity.designations).selectinload(Designation.source),
            selectinload(Entity.designations).selectinload(Designation.citations),
            selectinload(Entity.designations).selectinload(Designation.reason_source),
            selectinload(Entity.designations).selectinload(Designation.end_source),
            selectinload(Entity.summary_source),
        )
    ).first()
    if entity is None:
        return None
    numbering = _Numbering()
    editions = list_editions(session)

    designations = []
    seen_lists: set[str] = set()
    # Current listings first, then the ended ones; each list's periods in order.
    for d in sorted(
        entity.designations,
        key=lambda d: (d.end is not None, d.list_id, d.start or d.end or dt.date.min),
    ):
        info = describe(d.list_id)
        legal = info.legal if info else True
        start_source = numbering.number(d.source)
        reason_source = numbering.number(d.reason_source) if d.reason_source else None
        end_source = numbering.number(d.end_source) if d.end and d.end_source else None
        years = _years(d, info)
        designations.append(
            DesignationView(
                list_id=d.list_id,
                list_name=d.list_name,
                start=d.start.isoformat() if d.start else None,
                end=d.end.isoformat() if d.end else None,
                status=_status(d, d.list_id in seen_lists, legal, years=years),
                reason=d.reason,
                source=start_source,
                source_url=d.source.url,
                short_name=_short(info, d.list_name),
                effect=info.effect if info else None,
                edition=editions.get(d.list_id),
                legal=legal,
                next_step=info.next_step.title if info and info.next_step else None,
                next_step_url=info.next_step.url if info and info.next_step else None,
                licence_requirement=d.licence_requirement,
                licence_policy=d.licence_policy,
                programmes=d.programmes,
                category=_category(d),
                risk=_risk(d),
                citations=tuple(numbering.number(c) for c in _cited(d.citations)),
                end_note=d.end_note,
                reason_source=reason_source,
                end_reason=d.end_reason,
                end_source=end_source,
                effect_short=info.brief_effect if info else None,
                years=years,
            )
        )
        seen_lists.add(d.list_id)
    designations = _fold_ratings(designations)

    ties = session.scalars(
        select(Relationship)
        .where(or_(Relationship.subject_id == entity.id, Relationship.object_id == entity.id))
        .options(
            selectinload(Relationship.sources),
            selectinload(Relationship.subject),
            selectinload(Relationship.object),
        )
    ).all()
    others = {rel.object_id if rel.subject_id == entity.id else rel.subject_id for rel in ties}
    other_lists: dict[int, list[str]] = {}
    other_tracked: dict[int, list[str]] = {}
    for other_id, list_id, list_name in session.execute(
        select(Designation.entity_id, Designation.list_id, Designation.list_name).where(
            Designation.entity_id.in_(others), Designation.end.is_(None)
        )
    ):
        if list_id in RATINGS:  # shown with the list it rates
            continue
        info = describe(list_id)
        short = _short(info, list_name)
        # A research tracker is no listing: a tie to a body only it names is no tie to
        # a listed body.
        into = other_lists if info is None or info.legal else other_tracked
        names = into.setdefault(other_id, [])
        if short not in names:
            names.append(short)
    han_only = {(rel.object if rel.subject_id == entity.id else rel.subject) for rel in ties}
    han_only = {o for o in han_only if not _LATIN.search(o.name)}
    english = latin_names(session, {o.id for o in han_only}) if han_only else {}
    views = []
    for rel in ties:
        out = rel.subject_id == entity.id
        other = rel.object if out else rel.subject
        named = other in han_only
        views.append(
            RelationshipView(
                type=rel.type,
                direction="out" if out else "in",
                sentence=(OUTGOING if out else INCOMING).get(rel.type, "is linked to"),
                other_id=other.id,
                other_name=other.name,
                summary=rel.summary,
                start=rel.start,
                end=rel.end,
                sources=(),
                other_listed=other.id in other_lists,
                other_lists=tuple(other_lists.get(other.id, ())),
                other_tracked=tuple(other_tracked.get(other.id, ())),
                other_english=english.get(other.id) if named else None,
                other_pinyin=pinyin(other.name) if named and other.id not in english else None,
            )
        )
    # Strongest first; sources are numbered in the order the card shows them.
    order = sorted(range(len(views)), key=lambda i: views[i].strength)
    summary_sources = (numbering.number(entity.summary_source),) if entity.summary_source else ()
    ranked = []
    for i in order:
        numbers = tuple(numbering.number(s) for s in ties[i].sources)
        view = views[i]
        ranked.append(replace(view, sources=numbers))
    identifiers = tuple(
        IdentifierView(
            scheme=i.scheme,
            value=i.value,
            source=numbering.number(i.source) if i.source else None,
        )
        for i in sorted(entity.identifiers, key=lambda i: (i.scheme != "uscc", i.scheme, i.value))
    )
    owner_path = nearest_listed_owner(session, entity.id, numbering.number)
    return EntityCard(
        id=entity.id,
        key=entity.key,
        name=entity.name,
        native_name=entity.native_name,
        kind=entity.kind,
        country=entity.country,
        # The native name is shown beside the name; its sourced alias is not a second name.
        aliases=tuple(a.name for a in entity.aliases if a.name != entity.native_name),
        summary=entity.summary,
        summary_sources=summary_sources,
        designations=tuple(designations),
        relationships=tuple(ranked),
        sources=tuple(numbering.refs.values()),
        identifiers=identifiers,
        checked=lists_loaded(session),
        owner_path=owner_path,
    )


# -- changes in words -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeDescribed:
    """One change-log row in words: the same sentence in a digest, a watch alert and the
    App Home. ``brief`` is for a digest line under a heading that already names the list
    and the kind of change ("added on 2021-06-03")."""

    change_id: int
    kind: str
    date: str  # when the registry recorded it, YYYY-MM-DD
    entity_id: int | None
    name: str
    what: str  # "added to the US DoD 1260H list (listed 2021-06-03)"
    brief: str
    source_title: str | None
    source_url: str | None
    list_id: str | None = None
    list_name: str | None = None
    action: str | None = None  # "added" | "relisted" | "removed" for listings


# Ids per ``IN (...)``: far below PostgreSQL's 65,535 bind parameters and SQLite's 32,766.
IDS_PER_QUERY = 5000


def describe_changes(session: Session, changes: Sequence[Change]) -> dict[int, ChangeDescribed]:
    """Many changes in words (a digest): the organisations and listings they name are
    loaded first, a bounded number of ids per query, so describing each asks nothing."""
    entity_ids = sorted({c.entity_id for c in changes if c.entity_id is not None})
    designation_ids = sorted(
        {int(c.detail["designation_id"]) for c in changes if (c.detail or {}).get("designation_id")}
    )
    # Held here while describing: the session's identity map only keeps weak references.
    loaded: list[object] = []
    for i in range(0, len(entity_ids), IDS_PER_QUERY):
        chunk = entity_ids[i : i + IDS_PER_QUERY]
        loaded += session.scalars(select(Entity).where(Entity.id.in_(chunk)))
    for i in range(0, len(designation_ids), IDS_PER_QUERY):
        chunk = designation_ids[i : i + IDS_PER_QUERY]
        loaded += session.scalars(
            select(Designation)
            .where(Designation.id.in_(chunk))
            .options(selectinload(Designation.source))
        )
    return {c.id: describe_change(session, c) for c in changes}


def describe_change(session: Session, change: Change) -> ChangeDescribed:
    detail = change.detail or {}
    entity = session.get(Entity, change.entity_id) if change.entity_id else None
    name = entity.name if entity else str(detail.get("name") or "(removed)")
    source: Source | None = None
    kind = change.kind
    list_id = list_name = action = None
    if kind in (
        ChangeKind.DESIGNATION_ADDED,
        ChangeKind.DESIGNATION_REOPENED,
        ChangeKind.DESIGNATION_ENDED,
    ):
        designation = session.get(
            Designation, detail.get("designation_id"), options=[selectinload(Designation.source)]
        )
        source = designation.source if designation else None
        list_id = detail.get("list_id")
        list_name = str(detail.get("list_name") or "a list")
        if kind == ChangeKind.DESIGNATION_ENDED:
            action = "removed"
            end = detail.get("end") or "an unstated date"
            what, brief = f"removed from the {list_name} on {end}", f"removed on {end}"
        elif kind == ChangeKind.DESIGNATION_REOPENED:
            # The period keeps its first start: the edition that reopened it is the news.
            action, start = "relisted", detail.get("start")
            since = f" (listed since {start})" if start else ""
            what, brief = f"relisted on the {list_name}{since}", f"relisted{since}"
        else:
            action = "relisted" if detail.get("relisted") else "added"
            start = detail.get("start")
            verb = "relisted on" if action == "relisted" else "added to"
            what = f"{verb} the {list_name}" + (f" (listed {start})" if start else "")
            brief = f"{action} on {start or 'an unstated date'}"
    elif kind == ChangeKind.RELATIONSHIP_ADDED:
        rel = session.get(
            Relationship,
            detail.get("relationship_id"),
            options=[selectinload(Relationship.sources)],
        )
        other = session.get(Entity, detail.get("object_id")) if detail.get("object_id") else None
        sentence = OUTGOING.get(str(detail.get("type")), "is linked to")
        what = brief = f"new tie: {sentence} {other.name if other else '?'}"
        source = rel.sources[0] if rel and rel.sources else None
    elif kind == ChangeKind.NAME_ADDED:
        alias = session.scalars(
            select(Alias).where(
                Alias.entity_id == change.entity_id, Alias.name == detail.get("name")
            )
        ).first()
        what = brief = f"new name: {detail.get('name')}"
        source = alias.source if alias else None
    elif kind == ChangeKind.IDENTIFIER_ADDED:
        ident = session.scalars(
            select(Identifier).where(
                Identifier.scheme == detail.get("scheme"), Identifier.value == detail.get("value")
            )
        ).first()
        what = brief = f"new code: {str(detail.get('scheme') or '').upper()} {detail.get('value')}"
        source = ident.source if ident else None
    else:
        what = brief = "added to the registry"
        if entity is not None:
            source = _first_source(session, entity)
    title = source.title if source else _file_name(change.source_file)
    return ChangeDescribed(
        change_id=change.id,
        kind=kind,
        date=change.at.date().isoformat(),
        entity_id=change.entity_id,
        name=name,
        what=what,
        brief=brief,
        source_title=title,
        source_url=source.url if source else None,
        list_id=list_id,
        list_name=list_name,
        action=action,
    )


def _first_source(session: Session, entity: Entity) -> Source | None:
    return (
        entity.summary_source
        or session.scalars(
            select(Source)
            .join(Designation, Designation.source_id == Source.id)
            .where(Designation.entity_id == entity.id)
            .order_by(Designation.id)
        ).first()
        or session.scalars(
            select(Source)
            .join(relationship_sources, relationship_sources.c.source_id == Source.id)
            .join(Relationship, Relationship.id == relationship_sources.c.relationship_id)
            .where((Relationship.subject_id == entity.id) | (Relationship.object_id == entity.id))
            .order_by(Relationship.id)
        ).first()
    )


def _file_name(path: str | None) -> str | None:
    return path.replace("\\", "/").rsplit("/", 1)[-1] if path else None


def recent_changes(session: Session, limit: int) -> tuple[ChangeDescribed, ...]:
    changes = session.scalars(select(Change).order_by(Change.id.desc()).limit(limit))
    return tuple(describe_change(session, change) for change in changes)


def entity_ids_listed_first(session: Session, limit: int) -> list[int]:
    """Up to ``limit`` entity ids, those on a list today first (the cards worth building
    before anyone asks)."""
    listed = select(Designation.entity_id).where(Designation.end.is_(None))
    return list(
        session.scalars(
            select(Entity.id).order_by(Entity.id.in_(listed).desc(), Entity.id).limit(limit)
        ).all()
    )


def entity_names(session: Session, ids: set[int]) -> dict[int, str]:
    return dict(session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids))).all())


def import_file_name(session: Session, run_id: int | None) -> str | None:
    run = session.get(ImportRun, run_id) if run_id else None
    return run.files[0].rsplit("/", 1)[-1] if run and run.files else None
