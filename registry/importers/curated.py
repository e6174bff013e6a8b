"""Load a hand-curated, sourced YAML file (``data/curated/*.yaml``).

Entities carry stable keys; relationships name their sources by key. Every summary and
relationship must cite a source declared in the file: the loader refuses otherwise.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from registry import store, yaml_data
from registry.errors import BadImportError
from registry.importers.result import ImportResult
from registry.models import EntityKind, RelationType, Source
from registry.progress import Progress, silent

SOURCE_ID = "curated"


def _date(value: Any, *, file: str, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadImportError(f"not a date: {value!r}", file=file, field=field) from exc


def _published(meta: dict[str, Any], *, file: str, field: str) -> str | None:
    day = _date(meta.get("date"), file=file, field=field)
    if day is None:
        return None
    # Never show a day the publisher did not state.
    return {"year": day.isoformat()[:4], "month": day.isoformat()[:7]}.get(
        meta.get("date_precision", "day"), day.isoformat()
    )


def _partial_date(value: Any) -> str | None:
    return None if value is None else str(value)


def load(session: Session, path: Path, progress: Progress = silent) -> ImportResult:
    file = str(path)
    try:
        doc = yaml_data.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml_data.YAMLError) as exc:
        raise BadImportError(f"cannot read curated YAML ({exc})", file=file) from exc
    if not isinstance(doc, dict) or "entities" not in doc or "sources" not in doc:
        raise BadImportError("expected top-level 'sources' and 'entities'", file=file)

    result = ImportResult(source=SOURCE_ID, files=[file])
    sources: dict[str, Source] = {}
    for key, meta in (doc.get("sources") or {}).items():
        try:
            sources[key] = store.get_source(
                session,
                title=meta["title"],
                publisher=meta["publisher"],
                url=meta["url"],
                published=_published(meta, file=file, field=f"sources.{key}.date"),
            )
        except (KeyError, TypeError) as exc:
            raise BadImportError(
                f"source needs title, publisher, url ({exc})", file=file, field=f"sources.{key}"
            ) from exc

    def cite(keys: Any, where: str) -> list[Source]:
        if not keys:
            raise BadImportError("no source cited", file=file, field=where)
        try:
            return [sources[k] for k in keys]
        except KeyError as exc:
            raise BadImportError(f"unknown source {exc}", file=file, field=where) from exc

    entities = {}
    kinds = {k.value for k in EntityKind}
    for i, item in enumerate(doc.get("entities") or []):
        where = f"entities[{i}]"
        try:
            key, name, kind = item["key"], item["name"], item.get("kind", "company")
        except (KeyError, TypeError) as exc:
            raise BadImportError("entity needs key and name", file=file, field=where) from exc
        if kind not in kinds:
            raise BadImportError(f"unknown kind {kind!r}", file=file, field=f"{where}.kind")
        entity = store.entity_by_key(session, key)
        if entity is None:
            entity = store.new_entity(
                session,
                key=key,
                kind=kind,
                name=name,
                native_name=item.get("native_name"),
                country=item.get("country"),
            )
            result.created += 1
        else:
            result.unchanged += 1
        if item.get("summary"):
            summary_source = cite(item.get("summary_sources"), f"{where}.summary_sources")[0]
            if entity.summary != item["summary"]:
                entity.summary, entity.summary_source = item["summary"], summary_source
        for alias in item.get("aliases") or []:
            store.add_alias(
                session,
                entity,
                alias["name"],
                lang=alias.get("lang"),
                weak=bool(alias.get("weak", False)),
            )
        entities[key] = entity
    session.flush()

    types = {t.value for t in RelationType}
    for i, rel in enumerate(doc.get("relationships") or []):
        where = f"relationships[{i}]"
        try:
            subject, object_ = entities[rel["subject"]], entities[rel["object"]]
        except KeyError as exc:
            raise BadImportError(f"unknown entity {exc}", file=file, field=where) from exc
        if rel.get("type") not in types:
            raise BadImportError(
                f"unknown type {rel.get('type')!r}", file=file, field=f"{where}.type"
            )
        added = store.add_relationship(
            session,
            subject,
            object_,
            rel["type"],
            sources=cite(rel.get("sources"), f"{where}.sources"),
            summary=rel.get("summary"),
            start=_partial_date(rel.get("start")),
            end=_partial_date(rel.get("end")),
        )
        result.relationships += added
    session.flush()
    return result
