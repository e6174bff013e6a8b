"""Make NotoSansSC-subset.ttf: Noto Sans CJK SC Regular cut to the characters the bot
shows (Latin, punctuation, the 6,763 hanzi of GB2312 and every Han character in data/),
so the repository ships ~4 MB instead of a 19 MB collection. The CFF outlines are turned
into TrueType ones: fpdf2 writes wrong widths for a CFF subset (text extracted from the
PDF comes out letter-spaced), and pictures' libraries read TrueType everywhere. Run from the repository root
with Debian's fonts-noto-cjk installed and fontTools (a dependency of fpdf2):

    python data/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

# cu2qu's tolerance, in font units (of 1,000 an em): invisible at any print size.
MAX_CURVE_ERROR = 1.0

HERE = Path(__file__).parent
DATA = HERE.parent
OUT = HERE / "NotoSansSC-subset.ttf"
SC_NAME = "Noto Sans CJK SC"


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def data_han() -> set[str]:
    found: set[str] = set()
    for path in DATA.rglob("*"):
        if not path.is_file() or path.suffix not in {".csv", ".yaml", ".json", ".gz", ".md"}:
            continue
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8", errors="ignore")
        found.update(ch for ch in text if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return found


def to_truetype(font: TTFont) -> None:
    """CFF outlines -> quadratic TrueType ones (glyf/loca), in place."""
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_CURVE_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def main(ttc: str) -> None:
    collection = TTCollection(ttc)
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == SC_NAME)
    chars = {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x180)}
    chars |= {chr(c) for c in range(0x2000, 0x2070)} | {chr(c) for c in range(0x3000, 0x3040)}
    chars |= {chr(c) for c in range(0xFF00, 0xFF66)} | {"→", "•", "…", "✓"}
    chars |= gb2312() | data_han()
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    to_truetype(font)
    font.save(OUT)
    print(f"{OUT}: {len(chars)} characters, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
