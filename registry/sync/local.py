"""Air-gapped copies: a sync file's URL may be a ``file://`` URL or a plain path.

Read from disk with the same checks as a download (size cap, hash); there are no
validators, so an unchanged copy is recognised by its hash ("same content as last
import").
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Copied in pieces so a large file never sits in memory.
_CHUNK_BYTES = 1024 * 1024


def local_path(url: str) -> Path | None:
    """The file a ``file://`` URL or a plain path names; None for any other scheme."""
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None  # file://host/share: a network share is not a local copy
        return Path(unquote(parts.path))
    if "://" in url:
        return None
    return Path(url).expanduser()


def copy_local(source: Path, dest: Path, max_bytes: int) -> tuple[str, int]:
    """Copy ``source`` to ``dest``; its sha256 and size. OSError when unreadable,
    ValueError when over ``max_bytes``."""
    size = source.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{size} bytes is over the cap of {max_bytes}")
    digest = hashlib.sha256()
    with source.open("rb") as src, dest.open("wb") as out:
        while chunk := src.read(_CHUNK_BYTES):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), size
