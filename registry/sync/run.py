"""``mcf-bot sync``: fetch each source's files from its publisher and import what changed.

One pass, per source of ``catalog.yaml``'s ``sources`` (one importer run each):

1. ask for every file conditionally (the ETag / Last-Modified remembered in ``sync_state``);
   if every answer is 304, nothing changed;
2. when one file changed, fetch the others whole too (the importer reads them together);
3. if every body hashes as the one last imported, nothing changed (publishers that send
   no validators); otherwise check each body is a whole file of its format;
4. import through the source's importer in ONE transaction that also records the new
   hashes, re-checked under a row lock, so two syncers never import one edition twice;
   the import guard (``registry.guard``) holds an edition that looks wrong: the
   transaction rolls back and the hold is recorded ("held"), unless the operator accepts
   the source (``mcf-bot sync --accept SOURCE``).

Any failure leaves the registry as it was: the import transaction rolls back, and a
second, separate transaction records the error and counts the failures in a row.
Passes are serialised across processes: a PostgreSQL advisory lock, or on SQLite a lock
file beside the database (where ``serve`` is the one process expected to sync).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import logging
import tempfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from registry.catalog import SyncFile, SyncSource, catalog, sync_sources
from registry.db import unit_of_work
from registry.errors import BadImportError, RegistryError
from registry.guard import EditionHeld, record_hold
from registry.models import SyncState, utcnow
from registry.service import Registry
from registry.sync.fetch import Fetched, SyncError, Validators, check_format, client, fetch
from registry.sync.options import SyncOptions
from registry.sync.state import FAILING_AFTER

log = logging.getLogger(__name__)

# The advisory lock's key: any constant no other application uses on the same database.
_PG_LOCK_KEY = zlib.crc32(b"mcf-bot sync")

# What a pass that found the lock taken says of each source: it did nothing, and why.
SKIPPED_MESSAGE = "not synced by this pass: another sync pass holds the lock and is running now"

Status = Literal["changed", "unchanged", "failed", "skipped", "held"]
# Where a pass tells a person what it is doing, one line at a time (the CLI prints them).
Report = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


@dataclass(frozen=True)
class SyncOutcome:
    source: str
    status: Status
    message: str
    changes: int = 0
    edition: str | None = None


def resolve_sources(names: Sequence[str]) -> list[SyncSource]:
    """The sources named by source id or by the id of a list they feed; all when empty."""
    sources = sync_sources()
    if not names:
        return list(sources.values())
    by_list = {list_id: s for s in sources.values() for list_id in s.lists}
    picked: dict[str, SyncSource] = {}
    for name in names:
        found = sources.get(name) or by_list.get(name)
        if found is None:
            known = ", ".join([*sources, *(k for k in by_list if k not in sources)])
            hint = " (it has no publisher file to fetch)" if name in catalog() else ""
            raise RegistryError(f"no sync source {name!r}{hint}; known: {known}")
        picked[found.id] = found
    return list(picked.values())


def sync(
    registry: Registry,
    sources: Sequence[SyncSource],
    options: SyncOptions,
    *,
    accept: Collection[str] = (),
    report: Report = _quiet,
) -> list[SyncOutcome]:
    """One pass over ``sources``; every source gets an outcome, failures included.
    ``accept``: source ids whose next edition is imported without the guard."""
    with pass_lock(registry) as held:
        if not held:
            return [SyncOutcome(s.id, "skipped", SKIPPED_MESSAGE) for s in sources]
        return [
            _sync_one(registry, source, options, accept=source.id in accept, report=report)
            for source in sources
        ]


def _sync_one(
    registry: Registry,
    source: SyncSource,
    options: SyncOptions,
    *,
    accept: bool = False,
    report: Report = _quiet,
) -> SyncOutcome:
    started = utcnow()
    with unit_of_work(registry.sessions) as session:
        known = dict(_state(session, source.id).files)
    tmp = ""
    try:
        with tempfile.TemporaryDirectory(prefix=f"mcf-sync-{source.id}-") as tmp:
            fetched = asyncio.run(_download_within(source, options, known, Path(tmp), report))
            if not any(f.modified for _, f in fetched):
                files = {file.id: _file_state(f, known.get(file.id)) for file, f in fetched}
                return _record_ok(registry, source, started, files, "not modified (304)")
            files = {file.id: _file_state(f) for file, f in fetched}
            if all(files[k]["sha256"] == known.get(k, {}).get("sha256") for k in files):
                return _record_ok(registry, source, started, files, "same content as last import")
            for file, f in fetched:
                check_format(f.path, file.format, f.url)
            report(f"{source.id}: importing")
            try:
                return _import(registry, source, fetched, started, accept=accept, options=options)
            except EditionHeld as held:
                return _record_hold(registry, source, started, held)
    except (SyncError, BadImportError) as exc:
        return _record_failure(
            registry, source, started, _with_urls(str(exc), tmp, source, options)
        )
    except Exception as exc:
        # A bug or a full disk in one source must not hide the others' outcomes: it is
        # logged with its traceback, recorded as this source's error, and the pass goes on.
        log.exception("sync: %s failed unexpectedly", source.id)
        return _record_failure(registry, source, started, f"{type(exc).__name__}: {exc}")


def _with_urls(message: str, tmp: str, source: SyncSource, options: SyncOptions) -> str:
    """An importer's error names the temporary file; the operator needs the URL."""
    if not tmp:
        return message
    for file in source.files:
        message = message.replace(str(Path(tmp) / file.name), options.url(file))
    return message


async def _download_within(
    source: SyncSource,
    options: SyncOptions,
    known: Mapping[str, dict[str, str]],
    tmp: Path,
    report: Report = _quiet,
) -> list[tuple[SyncFile, Fetched]]:
    """``_download`` within the source's deadline: a publisher that drips bytes (each
    under the read timeout) fails the source instead of holding the pass lock for ever."""
    deadline = options.fetch.deadline_s
    try:
        async with asyncio.timeout(deadline):
            return await _download(source, options, known, tmp, report)
    except TimeoutError:
        raise SyncError(
            f"the downloads took longer than {deadline:g} s (MCF_SYNC_DEADLINE); abandoned"
        ) from None


async def _download(
    source: SyncSource,
    options: SyncOptions,
    known: Mapping[str, dict[str, str]],
    tmp: Path,
    report: Report = _quiet,
) -> list[tuple[SyncFile, Fetched]]:
    """Every file of ``source``: all 304s when none has changed, else all downloaded whole."""
    async with client(options.fetch) as http:
        fetched = []
        for file in source.files:
            url = options.url(file)
            seen = known.get(file.id, {})
            # Validators belong to the URL that issued them: a new mirror starts afresh.
            validators = (
                Validators(seen.get("etag"), seen.get("last_modified"))
                if seen.get("url") == url
                else None
            )
            report(f"{source.id}: fetching {url}")
            fetched.append(
                (
                    file,
                    await fetch(
                        http,
                        url,
                        tmp / file.name,
                        options.fetch,
                        validators,
                        progress=_progress(report, source.id, file.name),
                    ),
                )
            )
        if not any(f.modified for _, f in fetched):
            return fetched
        # The importer reads the files together: fetch the unmodified ones whole.
        return [
            (file, f if f.modified else await fetch(http, f.url, f.path, options.fetch))
            for file, f in fetched
        ]


def _progress(report: Report, source_id: str, name: str) -> Callable[[int, int | None], None]:
    """Reports a large download every PROGRESS_STEP_BYTES: "csl: consolidated.csv 8 of 17 MB"."""
    shown = [0]

    def advance(done: int, total: int | None) -> None:
        if done - shown[0] < PROGRESS_STEP_BYTES:
            return
        shown[0] = done
        of = f" of {total / 1e6:.0f}" if total else ""
        report(f"{source_id}: {name} {done / 1e6:.0f}{of} MB")

    return advance


# A line of progress per this many bytes downloaded (trade.gov's CSV is ~17 MB, its
# JSON ~60 MB): a person sees a long download move; a small file prints nothing.
PROGRESS_STEP_BYTES = 4 * 1024 * 1024


def _record_hold(
    registry: Registry, source: SyncSource, started: dt.datetime, held: EditionHeld
) -> SyncOutcome:
    """The guard held the edition: nothing was imported (the transaction rolled back)."""
    record_hold(registry.sessions, held)
    with unit_of_work(registry.sessions) as session:
        state = _state(session, source.id, for_update=True)
        state.last_attempt_at = started
    message = (
        f"held, nothing imported: {held.reason}; check the publisher's file, then run "
        f"`mcf-bot sync --once --accept {source.id}`"
    )
    return SyncOutcome(source.id, "held", message, edition=held.edition)


def _import(
    registry: Registry,
    source: SyncSource,
    fetched: list[tuple[SyncFile, Fetched]],
    started: dt.datetime,
    *,
    accept: bool = False,
    options: SyncOptions | None = None,
) -> SyncOutcome:
    from registry.importers import run_import

    named = [f.path for file, f in fetched if not file.beside]
    files = {file.id: _file_state(f) for file, f in fetched}
    with unit_of_work(registry.sessions) as session:
        state = _state(session, source.id, for_update=True)
        if all(files[k]["sha256"] == state.files.get(k, {}).get("sha256") for k in files):
            # Another syncer imported this very edition while we downloaded it.
            state.files = files
            _succeeded(state, started)
            return SyncOutcome(source.id, "unchanged", "imported meanwhile by another sync")
        guard = None if accept or options is None else options.guard
        results = run_import(session, source.importer, named, guard=guard)
        changes = sum(r.changes for r in results)
        state.files = files
        state.edition = results[-1].edition or state.edition
        state.import_run_id = _last_run_id(session, source.importer)
        _succeeded(state, started)
        if changes:
            state.last_change_at = started
    message = f"imported: {changes} change{'s' if changes != 1 else ''}"
    log.info("sync: %s %s (edition %s)", source.id, message, state.edition)
    return SyncOutcome(source.id, "changed", message, changes, state.edition)


def _last_run_id(session: Session, importer: str) -> int | None:
    from registry.models import ImportRun

    return session.scalar(
        select(ImportRun.id).where(ImportRun.source == importer).order_by(ImportRun.id.desc())
    )


def _file_state(f: Fetched, before: Mapping[str, object] | None = None) -> dict[str, object]:
    """What to remember of a file: its validators, and the hash and size of its body (kept
    from ``before`` after a 304, which carries no body)."""
    kept = before or {}
    return {
        "url": f.url,
        "etag": f.validators.etag,
        "last_modified": f.validators.last_modified,
        "sha256": f.sha256 if f.modified else kept.get("sha256"),
        "bytes": f.size if f.modified else kept.get("bytes"),
    }


def _state(session: Session, source_id: str, *, for_update: bool = False) -> SyncState:
    query = select(SyncState).where(SyncState.source == source_id)
    state = session.scalar(query.with_for_update() if for_update else query)
    if state is None:
        state = SyncState(source=source_id, files={}, failures=0)
        session.add(state)
        session.flush()
    return state


def _succeeded(state: SyncState, started: dt.datetime) -> None:
    state.last_attempt_at = state.last_success_at = started
    state.last_error = None
    state.failures = 0


def _record_ok(
    registry: Registry,
    source: SyncSource,
    started: dt.datetime,
    files: dict[str, dict[str, object]],
    message: str,
) -> SyncOutcome:
    with unit_of_work(registry.sessions) as session:
        state = _state(session, source.id, for_update=True)
        state.files = files
        _succeeded(state, started)
        edition = state.edition
    return SyncOutcome(source.id, "unchanged", message, edition=edition)


def _record_failure(
    registry: Registry, source: SyncSource, started: dt.datetime, error: str
) -> SyncOutcome:
    with unit_of_work(registry.sessions) as session:
        state = _state(session, source.id, for_update=True)
        state.last_attempt_at = started
        state.last_error = error[:2000]
        state.failures = (state.failures or 0) + 1
        failures = state.failures
    if failures >= FAILING_AFTER:
        log.warning("sync: %s has failed %d times in a row: %s", source.id, failures, error)
    else:
        log.info("sync: %s failed: %s", source.id, error)
    return SyncOutcome(source.id, "failed", error)


# -- one pass at a time -----------------------------------------------------------------


@contextmanager
def pass_lock(registry: Registry) -> Iterator[bool]:
    """Held for a whole pass; yields False when another process holds it (never waits)."""
    if registry.is_sqlite:
        with _file_lock(registry) as held:
            yield held
        return
    with registry.engine.connect() as conn:
        held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_LOCK_KEY}))
        conn.commit()
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()


@contextmanager
def _file_lock(registry: Registry) -> Iterator[bool]:
    database = registry.engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    path = Path(f"{database}.sync-lock")
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
