"""Load PLA supply ties from CSET's "Harnessed Lightning" data (PLA AI-related contract
award notices of 2020, ``Harnessed_Lightning_Raw_Data.csv``).

Each notice names a supplier (中标单位) and an end user (最终用户): a ``supplies`` tie,
supplier -> end user, dated by the notice and carrying its contract value in RMB, cited
to CSET's report. Where the end user is withheld ("..", or "某部队": "a certain unit"),
the tie goes to the unit that published the notice (``public_unit``), and says so. Names
are in Chinese only: an organisation joins an existing entity by its Chinese name, else
it is created under that name, with no English name invented. Titles and tender text are
the notices' prose and are never read into the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.lists import read_table, tidy
from registry.importers.result import ImportResult
from registry.importers.unitracker_names import Names, kind_for
from registry.models import Entity, EntityKind, RelationType, Source
from registry.names.script import has_han
from registry.progress import Progress, silent
from registry.resolution.joins import Resolver

SOURCE_ID = "cset-pla-supply"
END_USER = "end_user (最终用户)"
SUPPLIER = "supplier (中标单位)"
COLUMNS = (END_USER, SUPPLIER, "contract_value_RMB", "created", "public_unit")
SOURCE_TITLE = "Harnessed Lightning: How the Chinese Military is Adopting Artificial Intelligence"
SOURCE_URL = "https://cset.georgetown.edu/publication/harnessed-lightning/"
PUBLISHER = "Center for Security and Emerging Technology (CSET), Georgetown University"
PUBLISHED = "2021-10"
# A withheld name: "..", "中国人民解放军某部队" ("a certain PLA unit"), "河北石家庄某院校".
_WITHHELD = re.compile(r"^\.+$|某")
_MILITARY = re.compile(r"部队|解放军|武警|军区|战区|火箭军|战略支援|^陆军|^海军|^空军")
KEY = "cset-"  # keys of the organisations this importer creates
# Notices per tie listed in its summary; more are counted.
MAX_NOTICES_SHOWN = 5


@dataclass(frozen=True)
class Notice:
    line: int
    supplier: str
    end_user: str
    withheld: bool  # the end user is the publishing unit, the real one not named
    day: dt.date
    value: int | None  # RMB


def _named(value: str) -> str | None:
    name = tidy(value)
    return None if not name or _WITHHELD.search(name) else name


def parse(path: Path) -> tuple[list[Notice], int]:
    """The notices that name a supplier, and the number of filled rows that do not."""
    file = str(path)
    _, table = read_table(path, COLUMNS)
    out, skipped = [], 0
    for line, values in table:
        if not any(v.strip() for v in values.values()):
            continue
        supplier = _named(values[SUPPLIER])
        end_user = _named(values[END_USER])
        withheld = end_user is None
        if end_user is None:
            end_user = _named(values["public_unit"])
        if supplier is None or end_user is None:
            skipped += 1
            continue
        if not has_han(supplier) or not has_han(end_user):
            # Placeholders such as "jd" stand where the notice names nobody.
            skipped += 1
            continue
        day = _day(values["created"], file=file, line=line)
        raw_value = values["contract_value_RMB"].strip()
        value: int | None = None
        if raw_value and not _WITHHELD.search(raw_value):
            try:
                value = round(float(raw_value.replace(",", "")))
            except ValueError as exc:
                raise BadImportError(
                    f"not an amount: {raw_value!r}",
                    file=file,
                    line=line,
                    field="contract_value_RMB",
                ) from exc
        out.append(Notice(line, supplier, end_user, withheld, day, value))
    if not out:
        raise BadImportError("no notice names a supplier and an end user", file=file)
    return out, skipped


# Notice dates as the file writes them: "8/13/2020 15:57:29" or "2020-07-28 17:04:15 UTC".
_DAY_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")


def _day(created: str, *, file: str, line: int) -> dt.date:
    first = created.strip().split(" ")[0]
    for fmt in _DAY_FORMATS:
        try:
            return dt.datetime.strptime(first, fmt).date()
        except ValueError:
            continue
    raise BadImportError(f"not a date: {created!r}", file=file, line=line, field="created")


def summary(notices: list[Notice]) -> str:
    """Our sentence for a tie: how many notices, their dates and values."""
    ordered = sorted(notices, key=lambda n: (n.day, n.line))
    parts = [
        f"{n.day.isoformat()}: "
        + (f"RMB {n.value:,}" if n.value is not None else "value not stated")
        for n in ordered[:MAX_NOTICES_SHOWN]
    ]
    more = len(ordered) - MAX_NOTICES_SHOWN
    n = len(ordered)
    count = "One contract award notice" if n == 1 else f"{n} contract award notices"
    text = f"{count} in CSET's 2020 PLA procurement data ("
    text += "; ".join(parts) + (f"; {more} more" if more > 0 else "") + ")."
    if any(n.withheld for n in ordered):
        text += " End user withheld: the notice names only the unit that published it."
    return text


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    notices, _skipped = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    result.edition = "2020"
    source = store.get_source(
        session, title=SOURCE_TITLE, publisher=PUBLISHER, url=SOURCE_URL, published=PUBLISHED
    )
    entities = _Entities(session, result)
    ties: dict[tuple[str, str], list[Notice]] = defaultdict(list)
    for notice in notices:
        ties[(notice.supplier, notice.end_user)].append(notice)
    for (supplier_name, end_user_name), tie_notices in ties.items():
        supplier = entities.get(supplier_name, source)
        end_user = entities.get(end_user_name, source)
        if supplier is end_user:
            continue
        # Award notices are one-off events: the tie is dated by its first and last
        # notice (one date for one notice), never left open as if it went on.
        first = min(n.day for n in tie_notices).isoformat()
        last = max(n.day for n in tie_notices).isoformat()
        result.relationships += store.add_relationship(
            session,
            supplier,
            end_user,
            RelationType.SUPPLIES,
            sources=[source],
            summary=summary(tie_notices),
            start=first,
            end=last,
        )
    session.flush()
    return result


class _Entities:
    """An organisation per Chinese name: an existing entity with that name, else new."""

    def __init__(self, session: Session, result: ImportResult) -> None:
        self.session = session
        self.result = result
        self.resolver = Resolver(session, report_near_misses=False)
        self.seen: dict[str, Entity] = {}
        # This importer's own entities by key, read once: a query per name would flush the
        # session (and run the change log) hundreds of times.
        self.own = {
            e.key: e for e in session.scalars(select(Entity).where(Entity.key.like(f"{KEY}%")))
        }

    def get(self, name: str, source: Source) -> Entity:
        found = self.seen.get(name)
        if found is not None:
            return found
        key = KEY + hashlib.sha1(name.encode()).hexdigest()[:12]
        found = self.own.get(key) or self.resolver.find([name]).entity
        if found is None:
            found = store.new_entity(
                self.session, key=key, name=name, kind=kind_of(name), country="CN"
            )
            self.session.flush()
            self.resolver.register(found)
            self.own[key] = found
            self.result.created += 1
        else:
            self.result.unchanged += 1
        self.seen[name] = found
        return found


def kind_of(name: str) -> str:
    if _MILITARY.search(name):
        return EntityKind.MILITARY_UNIT
    kind = kind_for(Names(name, None))
    return EntityKind.COMPANY if kind == EntityKind.OTHER and "公司" in name else kind
