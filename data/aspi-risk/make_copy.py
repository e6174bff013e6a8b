"""Make the shipped copy of ASPI's 2020 tracker galaxy: tracker URL, name, category and
the risk rating word only.

    python data/aspi-risk/make_copy.py \
        ../shared/data/aspi-unitracker/china-defence-universities.2020-08-21.misp-galaxy.json \
        data/aspi-risk/china-defence-universities.2020-08-21.ratings.json

ASPI's ``risk`` field is a sentence of its prose ("… is designated very high risk for
…"); the copy keeps the galaxy's shape but reduces that field to "designated <rating>
risk", so ``mcf-bot import aspi-risk`` reads the copy and the original the same way. An
entry whose field states no rating keeps an empty one. Deterministic output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from registry.importers.aspi_risk import rating_of

KEPT_META = ("category", "refs")


def reduce(doc: dict[str, Any]) -> dict[str, Any]:
    values = []
    for item in doc["values"]:
        meta = item.get("meta") or {}
        rating = rating_of(meta.get("risk") or "")
        kept = {k: meta[k] for k in KEPT_META if k in meta}
        kept["risk"] = f"designated {rating} risk" if rating else ""
        values.append({"value": item["value"], "uuid": item.get("uuid"), "meta": kept})
    head = {k: doc[k] for k in ("name", "type", "uuid", "version", "source") if k in doc}
    return {**head, "values": values}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    doc = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = json.dumps(reduce(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    Path(argv[2]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
