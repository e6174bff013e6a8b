"""The one font every picture and document uses: Noto Sans CJK SC, subset to what the
registry writes (``data/fonts/``, OFL-1.1, rebuilt by ``scripts/build-cjk-font``).

English and Chinese in one face, shipped with the project, so a network picture or a PDF
report renders the same on a server without fonts of its own. Registry-independent: the
PDF report and the network picture both take the path from here.
"""

from __future__ import annotations

from pathlib import Path

from registry.bundled import data_dir

FAMILY = "Noto Sans CJK SC mcf subset"
FONT_DIR = data_dir() / "fonts"
FONT_FILE = FONT_DIR / "NotoSansCJKsc-mcf-subset.ttf"
LICENCE_FILE = FONT_DIR / "OFL.txt"


def cjk_font() -> Path:
    """The shipped font's path (a TrueType file)."""
    if not FONT_FILE.is_file():
        raise FileNotFoundError(f"{FONT_FILE} is missing: run scripts/build-cjk-font")
    return FONT_FILE


def covered(text: str, cmap: set[int]) -> list[str]:
    """The characters of ``text`` that have no glyph in ``cmap`` (spaces and controls aside)."""
    return sorted({c for c in text if c.isprintable() and not c.isspace() and ord(c) not in cmap})
