"""Where the bundled data lives: ``registry/_bundled`` in an installed wheel, ``data/`` in
a source checkout. A leaf module (no imports of the registry), so that a font or a file
beside the data is found without loading the importers."""

from __future__ import annotations

from pathlib import Path


def data_dir() -> Path:
    """``registry/_bundled`` in an installed wheel, ``data/`` in a source checkout."""
    packaged = Path(__file__).parent / "_bundled"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"
