"""Make the shipped copy of the ASPI tracker snapshot: the same JSON without ASPI's prose.

    python data/unitracker/strip_descriptions.py \
        ../shared/data/aspi-unitracker/china-defence-universities.misp-galaxy.json \
        data/unitracker/china-defence-universities.json

Drops every ``description`` (the cluster's and each entry's) and the notes ASPI mixed
into its laboratory and subsidiary lists ("Jointly run with ...", "This laboratory ..."),
which ``registry.importers.unitracker_names.is_note`` recognises. Names, categories, agencies,
topics, addresses and tracker URLs (facts) are kept. The output is deterministic: the
same input gives byte-identical output.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from registry.importers.unitracker_names import is_note

LISTS_WITH_NOTES = ("major defence laboratories", "subsidiaries")


def strip(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k != "description"}
    values = []
    for item in doc.get("values", []):
        item = {k: v for k, v in item.items() if k != "description"}
        meta = dict(item.get("meta") or {})
        for key in LISTS_WITH_NOTES:
            if key in meta:
                meta[key] = [entry for entry in meta[key] if not is_note(entry)]
        item["meta"] = meta
        values.append(item)
    out["values"] = values
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    doc = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = json.dumps(strip(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    Path(argv[2]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
