"""Where the shipped data lives: a leaf (no imports from the registry), so the bundle and
the reviewed decisions both find it without importing each other."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """``registry/_bundled`` in an installed wheel, ``data/`` in a source checkout."""
    packaged = Path(__file__).parent / "_bundled"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"
