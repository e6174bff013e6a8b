"""Load CSET's BGI network (``BGI_Entity_List.csv``): organisations tied to BGI Group or
MGI, with the kind of tie CSET states.

Each row names an organisation (its original name, Chinese for Chinese companies, often
with a short form in brackets), CSET's English translation where it gives one, where it
is, and its tie: ``Affiliation`` says to whom (BGI, MGI, both), ``Nature of Affiliation``
how (Subsidiary, Branch, Associate, Affiliate). A subsidiary or branch becomes a
``subsidiary_of`` tie, an associate or affiliate an ``other`` tie that says which; rows
whose tie CSET leaves as "Other" are not loaded (no tie is stated). The four "Primary
Company" rows name BGI Genomics, BGI Group, MGI Tech and MGI Holdings themselves: they
give those entities their Chinese names.

The machine translation CSET's file carries (``Entity Name (Google Translation)``) is never
a name: it is only evidence for a join. A row whose own names find no entity joins the
one entity whose name the translation spells exactly (legal forms of one family), so a
BGI company the Entity List names in English and CSET only in Chinese is one organisation,
not a listed one and an unlisted twin ("北京六合华大基因科技有限公司" and "Beijing Liuhe
Huada Gene Technology").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import Incoming, Organisations, read_rows, tidy, unique
from registry.importers.result import ImportResult
from registry.models import Entity, EntityKind, RelationType, Source
from registry.names.script import has_han
from registry.progress import Progress, silent
from registry.resolution import compatible, name_key

SOURCE_ID = "cset-bgi"
ORIGINAL = "Entity Name (Original)"
TRANSLATION = "Entity Name (Etcetera Translation)"
RENDERING = "Entity Name (Google Translation)"
COLUMNS = (ORIGINAL, TRANSLATION, "Country", "Affiliation", "Nature of Affiliation")
SOURCE_TITLE = "BGI entity list (CSET data on BGI Group and MGI subsidiaries and associates)"
SOURCE_URL = "https://github.com/georgetown-cset/bgi_entities"
PUBLISHER = "Center for Security and Emerging Technology (CSET), Georgetown University"

# The parents a row can be tied to, as the registry names them (DoD 1260H).
PARENTS = {"BGI": "BGI Group", "MGI": "MGI Tech Co., Ltd."}
AFFILIATIONS = {"BGI": ["BGI"], "MGI": ["MGI"], "BGI & MGI": ["BGI", "MGI"]}
NATURES = {
    "subsidiary": (RelationType.SUBSIDIARY_OF, "CSET lists it as a subsidiary of {parent}."),
    "branch": (RelationType.SUBSIDIARY_OF, "CSET lists it as a branch of {parent}."),
    "associate": (RelationType.OTHER, "CSET lists it as an associate of {parent}."),
    "affiliate": (RelationType.OTHER, "CSET lists it as an affiliate of {parent}."),
}
COUNTRIES = {"china": "CN"}
# "（“达安基因”）", '("BGI Group", "BGI Holdings")': short forms CSET adds in brackets.
_SHORT = re.compile(r"\s*[（(]\s*((?:[“\"”][^”\"“]+[”\"“]\s*[,，、]?\s*)+)[）)]")
_QUOTED = re.compile(r"[“\"”]([^”\"“]+)[”\"“]")


@dataclass(frozen=True)
class Member:
    line: int
    name: str  # the original name without its bracketed short forms
    short: tuple[str, ...]
    english: str | None
    country: str | None
    parents: tuple[str, ...]
    nature: str
    rendering: str | None = None  # the machine translation: join evidence, never a name


def names_of(original: str) -> tuple[str, list[str]]:
    """ "中山大学达安基因股份有限公司（“达安基因”）" -> (full name, ["达安基因"])."""
    short = [q for group in _SHORT.findall(original) for q in _QUOTED.findall(group)]
    return tidy(_SHORT.sub("", original)), [tidy(s) for s in short]


def parse(path: Path) -> list[Member]:
    file = str(path)
    table = read_rows(path, COLUMNS)
    out = []
    for line, values in table:
        if not values[ORIGINAL].strip():
            raise BadImportError("no name", file=file, line=line, field=ORIGINAL)
        name, short = names_of(values[ORIGINAL])
        english: str | None = None
        if values[TRANSLATION].strip():
            english, english_short = names_of(values[TRANSLATION])
            short += english_short
        affiliation = values["Affiliation"].strip()
        nature = values["Nature of Affiliation"].strip().lower()
        if nature == "primary company":
            parents: tuple[str, ...] = ()
        elif nature == "other" or affiliation == "Other":
            continue  # no tie stated
        elif affiliation not in AFFILIATIONS or nature not in NATURES:
            raise BadImportError(
                f"unknown tie {affiliation!r} / {nature!r}",
                file=file,
                line=line,
                field="Nature of Affiliation",
            )
        else:
            parents = tuple(AFFILIATIONS[affiliation])
        country = COUNTRIES.get(values["Country"].strip().casefold())
        rendering = names_of(values.get(RENDERING) or "")[0] or None
        out.append(Member(line, name, tuple(short), english, country, parents, nature, rendering))
    return out


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    members = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    source = store.get_source(session, title=SOURCE_TITLE, publisher=PUBLISHER, url=SOURCE_URL)
    # No list of its own: joining an entity of another source is the point, not a merge.
    orgs = Organisations(session, result, list_ids=[])
    # Near-miss reports compare each new name with every known one: most of the 400 names
    # are new Huada/BGI companies whose names differ by a city, so the report costs seconds
    # of every first run and says nothing a person would act on.
    orgs.resolver.report_near_misses = False
    parents = {
        code: _entity(orgs, Incoming(name=name, kind=EntityKind.COMPANY), source)
        for code, name in PARENTS.items()
    }
    own = {e.id for e in parents.values()}
    for member in members:
        entity = _member(orgs, member, own, source)
        if entity is None:
            continue
        for code in member.parents:
            parent = parents[code]
            if parent is entity:
                continue
            type_, sentence = NATURES[member.nature]
            result.relationships += store.add_relationship(
                session,
                entity,
                parent,
                type_,
                sources=[source],
                summary=sentence.format(parent=parent.name),
            )
    session.flush()
    return result


def _member(
    orgs: Organisations, member: Member, parents: set[int], source: Source
) -> Entity | None:
    """The row's organisation. Short forms ("MGI Tech", "BGI") never find an entity. A
    tied company whose full name folds to its parent's ("MGI Tech GmbH" and "MGI Tech
    Co., Ltd." share a key) is skipped: joining would merge it into its parent, and a
    second entity under that key would make the parent's own name ambiguous."""
    chinese = has_han(member.name)
    primary = member.english if member.english and chinese else member.name
    incoming = Incoming(
        name=primary, aliases=unique([member.name]), country=member.country, kind=EntityKind.COMPANY
    )
    if not member.parents:
        # A primary company: CSET's short forms ("BGI Group") name it, so they may find it.
        incoming.lookup = list(member.short)
    found = orgs.resolver.find(incoming.lookup_names()).entity
    if member.parents and found is not None and found.id in parents:
        orgs.result.near_misses.append(f"{member.name!r} ~ {found.name!r} (same key; skipped)")
        return None
    rendered = None if found is not None else _rendered(orgs, member.rendering, parents)
    if rendered is not None:
        orgs.result.merged.append(f"{member.name!r} -> {rendered.name!r} (CSET's rendering)")
    entity = _entity(orgs, incoming, source, prefer=rendered)
    orgs.add_names(entity, member.short, source)
    return entity


def _rendered(orgs: Organisations, rendering: str | None, parents: set[int]) -> Entity | None:
    """The one entity (not a parent) whose own name or alias CSET's rendering spells, legal
    forms of one family: "MGI Tech GmbH" never joins "MGI Tech Co., Ltd."."""
    key = name_key(rendering) if rendering else None
    if key is None or rendering is None:
        return None
    hits = [
        entity
        for entity in orgs.resolver.candidates(rendering)
        if entity.id not in parents
        and any(
            (k := name_key(n)) is not None and compatible(k, key)
            for n in (entity.name, *(a.name for a in entity.aliases if not a.weak))
        )
    ]
    return hits[0] if len(hits) == 1 else None


def _entity(
    orgs: Organisations, incoming: Incoming, source: Source, prefer: Entity | None = None
) -> Entity:
    upserted = orgs.upsert(incoming, source, prefer=prefer)
    orgs.tally(upserted, 0)
    return upserted.entity
