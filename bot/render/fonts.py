"""The one font every picture and document uses: Noto Sans CJK SC, subset to what the
registry writes (``data/fonts/``, OFL-1.1, rebuilt by ``scripts/build-cjk-font``).

English and Chinese in one face, shipped with the project, so a network picture or a PDF
report renders the same on a server without fonts of its own. Registry-independent: the
PDF report and the network picture both take the path from here.
"""

from __future__ import annotations

from pathlib import Path

from registry.data_dir import data_dir

FAMILY = "Noto Sans CJK SC mcf subset"
FILE_NAME = "NotoSansCJKsc-mcf-subset.ttf"
LICENCE_NAME = "OFL.txt"


def font_dir() -> Path:
    """``data/fonts`` of a source checkout, or its copy inside an installed wheel."""
    return data_dir() / "fonts"


def cjk_font() -> Path:
    """The shipped font's path (a TrueType file)."""
    path = font_dir() / FILE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run scripts/build-cjk-font")
    return path


def missing_glyphs(text: str, cmap: set[int]) -> list[str]:
    """The characters of ``text`` with no glyph in ``cmap`` (spaces and controls aside)."""
    return sorted({c for c in text if c.isprintable() and not c.isspace() and ord(c) not in cmap})
