"""Load FollowTheMoney entity files as OpenSanctions publishes them (JSON lines).

Two layouts: a plain export (``entities.ftm.json``, one entity per line) and a delta
(``entities.delta.json``, one ``{"op": "ADD"|"MOD"|"DEL", "entity": {...}}`` per line).

- Company, Organization, PublicBody, LegalEntity -> entities keyed ``ftm-<id>``.
  A record joins an existing registry entity only on strong evidence (the Resolver:
  USCC, or the same normalised name); never another FollowTheMoney record, because
  distinct ids are distinct entities in the publisher's own deduplication. A record
  that joined an entity is remembered by an identifier (scheme ``ftm``).
- Ownership -> ``asset subsidiary_of owner``; UnknownLink -> ``subject other object``;
  Sanction -> one designation per entity and programme (list id ``ftm:<programId>``),
  from the earliest start to the end date, if any. Persons and other schemata are
  skipped; ties to skipped entities are skipped with them.
- Every tie and designation cites the record's ``sourceUrl``, else its dataset
  ("OpenSanctions dataset <name>"); a record with neither is skipped (no source, no claim).
- DEL: the registry keeps history, so a deleted organisation stays with its names and
  ties, and its open ``ftm:`` designations end on the delta's date (the version in the
  path, ``.../20240527134702-zbn/entities.delta.json``, else the import date). A DEL line
  carries only an id, so a deleted Sanction alone cannot be matched to a designation.
- A plain export is not a complete list: a designation missing from a newer export is
  not ended (load the delta for that).

The file is streamed: entities are written in chunks of ``CHUNK`` lines, and only the
compact tie and sanction records wait in memory until every entity of the file exists.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from followthemoney import ValueEntity
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.errors import BadImportError
from registry.importers.ftm_entities import EntityWriter
from registry.importers.ftm_links import LinkWriter
from registry.importers.ftm_records import Record, delta_date, proxy_of, read_records
from registry.importers.ftm_state import KINDS, LIST_PREFIX
from registry.importers.result import ImportResult
from registry.models import Designation
from registry.progress import Progress, silent

log = logging.getLogger(__name__)

SOURCE_ID = "ftm"
CHUNK = 5000
LINKS = frozenset(["Ownership", "UnknownLink", "Sanction"])


class _Loader(EntityWriter, LinkWriter):
    """One import: entities chunk by chunk, then ties and sanctions, then deletions."""

    def chunk(self, records: list[Record]) -> None:
        orgs: list[tuple[Record, ValueEntity]] = []
        for rec in records:
            if rec.op == "DEL":
                self.deletes.append(rec.id)
            elif rec.schema in KINDS:
                orgs.append((rec, proxy_of(rec)))
            elif rec.schema in LINKS:
                self.buffer_link(rec, proxy_of(rec))
            else:
                self.counts.skipped_schema += 1
        if orgs:
            self.write_entities(orgs)

    # --- deletions --------------------------------------------------------------------

    def write_deletes(self, when: dt.date) -> None:
        ids = sorted({self.known[d] for d in self.deletes if d in self.known})
        self.counts.ignored_deletes = sum(1 for d in self.deletes if d not in self.known)
        for i in range(0, len(ids), 500):
            for designation in self.session.scalars(
                select(Designation).where(
                    Designation.entity_id.in_(ids[i : i + 500]),
                    Designation.list_id.like(f"{LIST_PREFIX}%"),
                    Designation.end.is_(None),
                )
            ):
                if designation.start is None or designation.start <= when:
                    designation.end = when
                    self.result.updated += 1
            self.session.flush()


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    loader = _Loader(session, path, result)
    when, result.edition = delta_date(path)
    with progress(f"Importing {path.name}", path.stat().st_size) as advance:
        batch: list[Record] = []
        read = 0
        for record in read_records(path, advance):
            read += 1
            batch.append(record)
            if len(batch) >= CHUNK:
                loader.chunk(batch)
                batch = []
        if not read:
            raise BadImportError("empty file: no FollowTheMoney records", file=str(path))
        loader.chunk(batch)
    loader.write_links()
    loader.write_deletes(when)
    counts = loader.counts
    if any(vars(counts).values()):
        # Persons, addresses and ties to them are expected in sanctions data: not warnings.
        log.info("%s: skipped %s", path.name, {k: v for k, v in vars(counts).items() if v})
    return result
