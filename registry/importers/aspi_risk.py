"""Load ASPI's risk rating per institution from the 2020 MISP galaxy of the China Defence
Universities Tracker (the version that still carried ``meta.risk``).

Only the rating word is taken ("very high", "high", "medium", "low"): the rest of the
``risk`` field is ASPI's prose and is never stored. An entry is joined by its tracker
page (``refs``) to the institution the ``unitracker`` importer loaded from the current
galaxy, whose UUIDs differ; an entry without a loaded institution, or whose field states
no rating (NUDT's is broken in this version), is counted and skipped. The rating is a
designation on the ``aspi-risk`` list, shown with the tracker category and cited to the
tracker page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import store
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.importers.unitracker import LIST_ID as TRACKER_LIST_ID
from registry.models import Designation, Entity, Source
from registry.progress import Progress, silent

SOURCE_ID = "aspi-risk"
LIST_ID = "aspi-risk"
TRACKER_URL = "https://unitracker.aspi.org.au/"
RATINGS = ("very high", "high", "medium", "low")
# "… is designated very high risk …", "very-high risk".
_RATING = re.compile(r"\bdesignated (very[- ]high|high|medium|low)[- ]risk\b", re.IGNORECASE)
_CATEGORY = re.compile(r"\(category: (?P<category>[^)]+)\)")


def rating_of(text: str) -> str | None:
    match = _RATING.search(text)
    return match.group(1).lower().replace("-", " ") if match else None


def parse(path: Path) -> tuple[list[tuple[str, str, str]], int]:
    """(tracker URL, entry name, rating) per rated entry, and the number without a rating."""
    file = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadImportError(f"cannot read ({exc})", file=file) from exc
    except json.JSONDecodeError as exc:
        raise BadImportError(f"not JSON ({exc.msg})", file=file, line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise BadImportError("not a MISP galaxy cluster (no 'values' list)", file=file)
    if doc.get("name") != "China Defence Universities Tracker":
        raise BadImportError(
            f"not the China Defence Universities Tracker (name {doc.get('name')!r})",
            file=file,
            field="name",
        )
    if not doc["values"]:
        raise BadImportError("no entries", file=file, field="values")
    out, unrated = [], 0
    for i, item in enumerate(doc["values"]):
        where = f"values[{i}]"
        meta = item.get("meta") if isinstance(item, dict) else None
        if not isinstance(meta, dict) or not isinstance(item.get("value"), str):
            raise BadImportError(
                "entry needs a 'value' and a 'meta' object", file=file, field=where
            )
        refs = meta.get("refs")
        if not isinstance(refs, list):
            raise BadImportError("expected a list", file=file, field=f"{where}.meta.refs")
        url = next((r for r in refs if isinstance(r, str) and r.startswith(TRACKER_URL)), None)
        if url is None:
            raise BadImportError("no tracker page in refs", file=file, field=f"{where}.meta.refs")
        risk = meta.get("risk")
        if not isinstance(risk, str):
            raise BadImportError(
                "no risk field (not the 2020 version?)", file=file, field=f"{where}.meta.risk"
            )
        rating = rating_of(risk)
        if rating is None:
            unrated += 1
            continue
        out.append((url, item["value"], rating))
    return out, unrated


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    rated, _unrated = parse(path)  # everything is checked before anything is written
    result = ImportResult(source=SOURCE_ID, files=[str(path)])
    result.edition = "2020-08-21"
    tracked = _tracked(session)
    for url, _name, rating in rated:
        found = tracked.get(url.rstrip("/"))
        if found is None:
            result.near_misses.append(f"{url}: no institution of the tracker loaded for it")
            continue
        entity, category, source = found
        changes = store.set_designation_periods(
            session,
            entity,
            list_id=LIST_ID,
            list_name=f"ASPI risk rating: {rating} (tracker category: {category})",
            periods=[(None, None, None, source)],
        )
        stored = next(d for d in entity.designations if d.list_id == LIST_ID)
        # A newer rating replaces the old word; the change is the rating, not a new period.
        stored.list_name = f"ASPI risk rating: {rating} (tracker category: {category})"
        result.designations += changes
        if changes:
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


def _tracked(session: Session) -> dict[str, tuple[Entity, str, Source]]:
    """Tracker page URL -> (institution, category, its tracker page as a source)."""
    out: dict[str, tuple[Entity, str, Source]] = {}
    rows = session.execute(
        select(Designation, Entity, Source)
        .join(Entity, Designation.entity_id == Entity.id)
        .join(Source, Designation.source_id == Source.id)
        .where(Designation.list_id == TRACKER_LIST_ID)
    ).all()
    for designation, entity, source in rows:
        match = _CATEGORY.search(designation.list_name)
        category = match["category"] if match else "unknown"
        out[source.url.rstrip("/")] = (entity, category, source)
    return out
