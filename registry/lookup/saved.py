"""The name index saved beside the registry, so that a new process opens it instead of
rebuilding it (about 40 s at a million names).

One file holds the index's columns and lookup tables as arrays, after a JSON header with
the format version and the change-log position the index reflects. The big tables (the
postings, exact keys, typo variants) are memory-mapped, not read: a process pages in
the parts its lookups touch, and several processes on one registry share those pages.
Names, words and the entity -> main-name map stay in their arrays too, read one entry at
a time (``StrColumn``, ``WordIds``, ``NameRecords``); what a refresh adds goes beside them.

- Written atomically: into a temporary file in the same directory, then renamed over
  the old one, never changed in place (a mapped file rewritten in place kills the process
  mapping it with SIGBUS). A process that has the old file mapped keeps reading it
  unharmed; two processes that save at once both write whole files, and the last rename
  wins. Replace it the same way by hand (``mv``, not ``cp`` over it).
- Reopened when replaced: a process that finds another file at the path than the one it
  opened or saved (``SavedIndex.reopen``, at each look at the change log) opens the new
  one and lets go of the old mapping once lookups running on it finish.
- Opened, then brought up to date from the change log since its position.
- Rebuilt, with one line on stderr saying why, when it is missing, unreadable, of another
  format version, or of another registry (the change it was saved at is not in this
  registry's log: the database was rebuilt or replaced).

Where: beside a SQLite registry (``registry.sqlite3.index``); for a server database, in
a cache directory (``cache_dir``: the ``MCF_INDEX_DIR`` setting), one file per database.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from registry.lookup import readings
from registry.lookup.index import NameIndex
from registry.lookup.live import LiveIndex
from registry.lookup.saved_columns import NameRecords, StrColumn, WordIds
from registry.lookup.tables import IntMultimap, str_key
from registry.models import Change

# Bump when the layout, the arrays, the way keys are hashed or the keys themselves change
# (3: abbreviations fold both ways; a listed name is also keyed without its trailing
# "Corporation"/"Company"; 4: "Company Limited" is a legal form; 5: a Chinese name leaves
# out a group's company form before more of the name; 6: ordinals written out are numbers,
# "No." before a number is left out).
FORMAT_VERSION = 6
MAGIC = b"MCFNAMES"
_PREFIX = struct.Struct("<8sQI")  # magic, header length, header CRC-32
# Arrays start on this boundary, so every memory-mapped view is aligned.
ALIGN = 64
# A process that had to follow more than this many changed entities from the change log
# saves the index again, so the next one starts closer to the present.
RESAVE_TOUCHED = 2_000
# Readable by the other accounts that may serve the same registry (mkstemp makes 0600).
SAVED_MODE = 0o644
_TABLES = ("exact", "postings", "deletes", "han_near")
# A saved index modified less than this long ago may change again without its
# modification time changing (coarse file-system clocks): it is checked whole again.
RACY_NS = 2_000_000_000

Announce = Callable[[str], None]
# Device, inode, size and modification time of a saved file.
FileIdentity = tuple[int, int, int, int]


class UnusableIndex(Exception):
    """The saved index cannot be used as it is; the message says why, for the log line."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def index_path(url: URL, cache_dir: Path | None = None) -> Path | None:
    """Where the index of the registry at ``url`` is saved; None when it is not saved (an
    in-memory SQLite database, or a server database with no cache directory)."""
    if url.get_backend_name() == "sqlite" and cache_dir is None:
        database = url.database
        if not database or database == ":memory:":
            return None
        db = Path(database)
        return db.with_name(db.name + ".index")
    if cache_dir is None:
        return None
    # One file per database, named without its password.
    where = url.render_as_string(hide_password=True)
    return cache_dir / f"names-{hashlib.sha256(where.encode()).hexdigest()[:16]}.index"


def _marker(session: Session, change_id: int) -> str | None:
    """What identifies change ``change_id`` in this registry (its time), or None when the
    registry has no such change."""
    if change_id == 0:
        return ""
    at = session.execute(select(Change.at).where(Change.id == change_id)).scalar()
    return at.isoformat() if at is not None else None


def _file_identity(st: os.stat_result) -> FileIdentity:
    """A file renamed over the path has another inode; its size and time tell even a
    reused inode number apart."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


# -- writing ----------------------------------------------------------------------------


def _columns(index: NameIndex) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """The index as a JSON-able header part and named arrays (it reads the index's own
    columns: this module and ``NameIndex`` change together, with ``FORMAT_VERSION``)."""
    index.freeze()
    texts = [t.encode() for t in index._texts]
    words = list(index._words)
    word_keys = np.array([str_key(w) for w in words], np.int64)
    word_order = np.argsort(word_keys, kind="stable").astype(np.int32)
    name_rec = np.array(sorted(index._name_rec.items()), np.int64).reshape(-1, 2)
    arrays: dict[str, npt.NDArray[Any]] = {
        "texts": np.frombuffer(b"".join(texts), np.uint8),
        "text_offsets": np.cumsum([0, *map(len, texts)], dtype=np.int64),
        "words": np.frombuffer("".join(words).encode(), np.uint8),
        "word_offsets": np.cumsum([0, *(len(w.encode()) for w in words)], dtype=np.int64),
        "word_keys": word_keys[word_order],
        "word_ids": word_order,
        "entity": np.frombuffer(index._entity, np.int32),
        "how": np.frombuffer(bytes(index._how), np.uint8),
        "weak": np.frombuffer(bytes(index._weak), np.uint8),
        "tok_start": np.frombuffer(index._tok_start, np.int64),
        "tok_data": np.frombuffer(index._tok_data, np.int32),
        "df": np.frombuffer(index._df, np.int32),
        "generic": np.frombuffer(bytes(index._generic), np.uint8),
        "name_rec_entities": np.ascontiguousarray(name_rec[:, 0], np.int32),
        "name_rec_records": np.ascontiguousarray(name_rec[:, 1], np.int32),
        "dead": np.asarray(index._dead_sorted, np.int32),
    }
    for name in _TABLES:
        keys, vals = getattr(index, name).arrays()
        arrays[f"{name}.keys"], arrays[f"{name}.vals"] = keys, vals
    meta = {
        "records": len(index._texts),
        "words": len(index._words),
        "hows": index._hows,
        "small_keys": {name: getattr(index, name).small_keys for name in _TABLES},
    }
    return meta, arrays


def save(index: NameIndex, path: Path, session: Session) -> FileIdentity:
    """Write ``index`` to ``path`` atomically (a temporary file, then a rename); what
    identifies the file written."""
    marker = _marker(session, index.last_change_id)
    meta, arrays = _columns(index)
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name, arr in arrays.items():
        layout[name] = [arr.dtype.str, list(arr.shape), offset]
        offset += -(-arr.nbytes // ALIGN) * ALIGN
    header = {
        "version": FORMAT_VERSION,
        "last_change_id": index.last_change_id,
        "marker": marker,
        "data_bytes": offset,
        "arrays": layout,
        **meta,
    }
    chunks = []
    crc = 1  # Adler-32's start: about 3x faster than CRC-32 over 350 MB
    for arr in arrays.values():
        data = np.ascontiguousarray(arr).tobytes()
        data += bytes(-len(data) % ALIGN)
        crc = zlib.adler32(data, crc)
        chunks.append(data)
    header["data_crc"] = crc
    head = json.dumps(header).encode()
    start = -(-(_PREFIX.size + len(head)) // ALIGN) * ALIGN
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_PREFIX.pack(MAGIC, len(head), zlib.crc32(head)))
            out.write(head)
            out.write(bytes(start - _PREFIX.size - len(head)))
            for data in chunks:
                out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, SAVED_MODE)
        written = _file_identity(os.stat(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


# -- reading ----------------------------------------------------------------------------


def _read_header(f: BinaryIO, size: int) -> tuple[dict[str, Any], int]:
    try:
        prefix = f.read(_PREFIX.size)
        if len(prefix) < _PREFIX.size:
            raise UnusableIndex("is truncated")
        magic, length, crc = _PREFIX.unpack(prefix)
        if magic != MAGIC:
            raise UnusableIndex("is not a saved name index")
        head = f.read(length)
    except OSError as exc:
        raise UnusableIndex(f"cannot be read ({exc.strerror})") from exc
    if len(head) != length or zlib.crc32(head) != crc:
        raise UnusableIndex("is corrupt (its header does not check)")
    header = json.loads(head)
    if header.get("version") != FORMAT_VERSION:
        raise UnusableIndex(
            f"is of format version {header.get('version')}, this mcf-bot reads {FORMAT_VERSION}"
        )
    start = -(-(_PREFIX.size + length) // ALIGN) * ALIGN
    if size != start + header["data_bytes"]:
        raise UnusableIndex("is corrupt (truncated or overwritten)")
    return header, start


def _checked_path(path: Path) -> Path:
    return path.with_name(path.name + ".checked")


def _identity(st: os.stat_result, data_crc: int) -> list[int]:
    """What tells this file from any other file, or from itself changed since: its inode,
    size and modification time (and the checksum its header states)."""
    return [st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, data_crc]


def _checked_before(path: Path, identity: list[int]) -> bool:
    """Whether this very file was checked whole before (``<index>.checked`` says so).
    Checking reads every page of the file: at a million names that is most of a second
    and some 400 MB in each process's RSS, at every start."""
    try:
        return bool(json.loads(_checked_path(path).read_text("utf-8")) == identity)
    except (OSError, ValueError):
        return False


def _remember_checked(path: Path, identity: list[int]) -> None:
    """Note that the file checked; not while its modification time is recent, since a
    write within the clock's granularity could leave it unchanged (git's "racy clean")."""
    if time.time_ns() - identity[3] < RACY_NS:
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".checked", dir=path.parent)
    except OSError:
        return  # a read-only cache directory: every process checks the file whole
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(identity, out)
        os.chmod(tmp, SAVED_MODE)
        os.replace(tmp, _checked_path(path))
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def load(path: Path) -> tuple[NameIndex, str]:
    """The index saved at ``path``, and the marker of the change it reflects.

    Raises FileNotFoundError when there is none, UnusableIndex when it cannot be used."""
    index, marker, _file = _load(path)
    return index, marker


def _load(path: Path) -> tuple[NameIndex, str, FileIdentity]:
    """``load``, and the identity of the file it mapped. The file is opened once: its
    header, its identity and the mapping come from the same file even when another
    process renames a new one over the path meanwhile."""
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnusableIndex(f"cannot be read ({exc.strerror})") from exc
    with f:
        st = os.fstat(f.fileno())
        header, start = _read_header(f, st.st_size)
        # A plain ndarray over the mapping: reads through an np.memmap cost about four
        # times those through an ndarray (every slice is another memmap object), and a
        # lookup makes hundreds of them. The view keeps the mapping open as long as an
        # array uses it (closing the file does not unmap it).
        mapped = np.memmap(f, np.uint8, mode="r").view(np.ndarray)
    # Every byte is checked, once: a lookup trusts the record numbers in the tables.
    identity = _identity(st, header["data_crc"])
    if not _checked_before(path, identity):
        if zlib.adler32(mapped[start:].data) != header["data_crc"]:
            raise UnusableIndex("is corrupt (its data does not check)")
        _remember_checked(path, identity)

    def arr(name: str) -> npt.NDArray[Any]:
        dtype, shape, offset = header["arrays"][name]
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        at = start + offset
        return mapped[at : at + count * dt.itemsize].view(dt).reshape(shape)

    index = NameIndex()
    # The index's own columns take these lazy stand-ins (same reads and appends).
    words = StrColumn(arr("words"), arr("word_offsets"))
    index._texts = StrColumn(arr("texts"), arr("text_offsets"))  # type: ignore[assignment]
    index._words = words  # type: ignore[assignment]
    index._vocab = WordIds(words, arr("word_keys"), arr("word_ids"))  # type: ignore[assignment]
    if len(index._texts) != header["records"] or len(words) != header["words"]:
        raise UnusableIndex("is corrupt (its names do not count up)")
    # The number columns are read in place: a memoryview reads as fast as an array, and
    # copying them was some 70 ms of every start at 1M names. The index copies them
    # before it first changes (``NameStore._own_columns``).
    index._entity = arr("entity").data  # type: ignore[assignment]
    index._how = arr("how").data  # type: ignore[assignment]
    index._weak = arr("weak").data  # type: ignore[assignment]
    index._tok_start = arr("tok_start").data  # type: ignore[assignment]
    index._tok_data = arr("tok_data").data  # type: ignore[assignment]
    index._df = arr("df").data  # type: ignore[assignment]
    index._generic = arr("generic").data  # type: ignore[assignment]
    index._columns_mapped = True
    index._hows = list(header["hows"])
    index._how_codes = {h: i for i, h in enumerate(index._hows)}
    index._name_rec = NameRecords(  # type: ignore[assignment]
        arr("name_rec_entities"), arr("name_rec_records")
    )
    dead = np.array(arr("dead"))
    index._dead_sorted = dead
    index.dead = frozenset(dead.tolist())
    n = len(index._texts)
    if not (len(index._entity) == len(index._how) == len(index._weak) == n) or (
        len(index._tok_start) != n + 1 or index._tok_start[-1] != len(index._tok_data)
    ):
        raise UnusableIndex("is corrupt (its columns disagree)")
    for name in _TABLES:
        small = header["small_keys"][name]
        setattr(
            index,
            name,
            IntMultimap.from_arrays(arr(f"{name}.keys"), arr(f"{name}.vals"), small_keys=small),
        )
    index.last_change_id = int(header["last_change_id"])
    return index, str(header["marker"]), _file_identity(st)


def live_index(
    url: URL,
    cache_dir: Path | None = None,
    refresh_interval: float = 0.0,
    announce: Announce = _stderr,
) -> LiveIndex:
    """The live index of the registry at ``url``, opened from its saved file when it has
    one (built in memory, as before, when it is not saved)."""
    path = index_path(url, cache_dir)
    if path is None:
        return LiveIndex(refresh_interval)
    saved = SavedIndex(path, announce)
    return LiveIndex(refresh_interval, build=saved.open, reopen=saved.reopen)


class SavedIndex:
    """Opens the index saved at ``path`` (building and saving it when it cannot), and
    reopens it when another process replaces the file, for
    ``LiveIndex(build=saved.open, reopen=saved.reopen)``."""

    def __init__(self, path: Path, announce: Announce = _stderr) -> None:
        self.path = path
        self._announce = announce
        # The file this process opened or saved last (None: none yet).
        self._file: FileIdentity | None = None

    @property
    def readings_path(self) -> Path:
        """The names read by the last build (``registry.sqlite3.readings.json`` beside
        ``registry.sqlite3.index``), read only when the index is rebuilt."""
        return self.path.with_name(self.path.name.removesuffix(".index") + ".readings.json")

    def open(self, session: Session) -> NameIndex:
        try:
            index, marker, self._file = _load(self.path)
        except FileNotFoundError:
            reason = ""  # the first build: nothing is wrong
        except (UnusableIndex, ValueError, KeyError, TypeError) as exc:
            # ValueError/KeyError/TypeError: a header that parses but is not ours.
            reason = str(exc) if isinstance(exc, UnusableIndex) else "is corrupt"
        else:
            if _marker(session, index.last_change_id) == marker:
                if index.refresh(session) > RESAVE_TOUCHED:
                    self._save(index, session)
                return index
            reason = "is of another registry (its change-log position is not this one's)"
        if reason:
            self._announce(f"mcf-bot: the saved name index {self.path} {reason}: rebuilding it")
        else:
            self._announce(f"Building the name index (saved in {self.path} for later runs)...")
        with readings.kept(self.readings_path):
            index = NameIndex.build(session)
        self._save(index, session)
        return index

    def reopen(self, session: Session) -> NameIndex | None:
        """The index saved at ``path`` when the file there is no longer the one this
        process opened or saved (another process saved a newer one, or an operator put
        one there), brought up to date from the change log; None when it was not
        replaced, or when the new file cannot be used (one line says why, once per
        file, and the index in use goes on serving)."""
        try:
            now = _file_identity(self.path.stat())
        except OSError:
            return None  # removed (or unreadable): the index in use stays
        if now == self._file:
            return None
        try:
            index, marker, opened = _load(self.path)
        except FileNotFoundError:
            return None
        except (UnusableIndex, ValueError, KeyError, TypeError) as exc:
            reason = str(exc) if isinstance(exc, UnusableIndex) else "is corrupt"
            self._file = now  # said once for this file
            self._announce(
                f"mcf-bot: the saved name index {self.path} was replaced by one that "
                f"{reason}: the index in use stays"
            )
            return None
        self._file = opened
        if _marker(session, index.last_change_id) != marker:
            self._announce(
                f"mcf-bot: the saved name index {self.path} was replaced by one of another "
                "registry: the index in use stays"
            )
            return None
        index.refresh(session)
        self._announce(f"mcf-bot: the saved name index {self.path} was replaced: reopened it")
        return index

    def _save(self, index: NameIndex, session: Session) -> None:
        try:
            self._file = save(index, self.path, session)
        except (OSError, UnusableIndex) as exc:
            # The index works without being saved: the next process builds its own.
            self._announce(f"mcf-bot: could not save the name index to {self.path}: {exc}")
