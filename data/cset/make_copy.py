"""Make the shipped copy of CSET's Harnessed Lightning procurement data: names, dates and
values only, in the original column names.

    python data/cset/make_copy.py \
        ../shared/data/cset/harnessed_lightning_pla_procurement_2020.csv \
        data/cset/harnessed_lightning_pla_procurement_2020.csv

The original rows carry each notice's title and tender text (``title``, ``title_en``,
``content``, ``content_EN``): the notices' prose, which the product never copies. The
copy keeps the columns ``mcf-bot import cset-pla-supply`` reads and drops blank rows.
Deterministic output.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from registry.importers.cset_pla_supply import COLUMNS


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with Path(argv[1]).open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if any((v or "").strip() for v in r.values())]
    with Path(argv[2]).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([r[c] for c in COLUMNS] for r in rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
