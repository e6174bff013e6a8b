"""Make NotoSansSC-subset.otf: Noto Sans CJK SC Regular cut to the characters the bot
shows (Latin, punctuation, the 6,763 hanzi of GB2312 and every Han character in data/),
so the repository ships ~4 MB instead of a 19 MB collection. Run from the repository root
with Debian's fonts-noto-cjk installed and fontTools (a dependency of fpdf2):

    python data/fonts/make_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).parent
DATA = HERE.parent
OUT = HERE / "NotoSansSC-subset.otf"
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
    font.save(OUT)
    print(f"{OUT}: {len(chars)} characters, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
