"""The fonts the bot ships (``data/fonts``): one place that finds them, for PDF reports
and pictures alike, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from registry.paths import data_dir  # a leaf module: no importers loaded

# Noto Sans CJK SC, subset (data/fonts/README.md): Latin and Chinese in one face, for PDF
# reports and network pictures alike; rebuilt by scripts/build-cjk-font.
CJK_FONT = "NotoSansSC-subset.ttf"
CJK_FONT_LICENCE = "OFL.txt"


class FontMissingError(FileNotFoundError):
    pass


def cjk_font() -> Path:
    path = data_dir() / "fonts" / CJK_FONT
    if not path.is_file():
        raise FontMissingError(f"the bundled CJK font is missing: {path}")
    return path


def font_dir() -> Path:
    """Where the shipped fonts and their licence are."""
    return data_dir() / "fonts"
