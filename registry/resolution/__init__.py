"""Entity resolution over the whole registry, run after every import.

Importers join a record to an existing entity only on an exact key at load time
(``registry.resolution.joins``). Lists published by different authorities still spell one
organisation differently ("SZ DJI TECHNOLOGY CO., LTD." and "Shenzhen DJI Technology Co.,
Ltd."; "China SpaceSat Co." and "China SpaceSat Co., Ltd."), so this step looks at every
entity's names and codes together and merges what strong keys say is one organisation:

- an identifier of a scheme that names one organisation (USCC, OFAC entity number, LEI);
- the same *resolution key* of a primary name, or of a primary name and a full alternate
  name: case, accents, punctuation, legal forms of one family ("Co.", "Co., Ltd.",
  "Company Limited"), trailing city or exchange brackets ("(Shanghai)"), trailing acronym
  brackets ("(Huawei)") and "SZ" for Shenzhen folded.

Never on an acronym alone, never on similarity alone. Pairs that look alike on weaker
evidence (legal forms of different families, one leading place name apart, a shared
acronym with a subsidiary listed under both, alternate names only) are not merged: they
are *likely duplicates*, printed by ``mcf-bot db duplicates`` for an operator, whose
decisions live in ``data/resolution/decisions.yaml`` (merge or keep apart, with a reason)
and are honoured here. Every merge is a row in ``merges`` (the key that decided it and
what moved) and a change in the change log, so it can be explained and undone.

The package: ``keys`` (the key of a name), ``decisions`` (reviewed), ``pairs`` (candidate
pairs and their evidence), ``decide`` (what merges), ``merge`` (merging, undoing,
explaining), ``reports`` (likely duplicates) and ``joins`` (the load-time resolver).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.resolution.decide import Outcome, resolve
    from registry.resolution.decisions import (
        KEEP_APART,
        MERGE,
        Decision,
        default_decisions_path,
        load_decisions,
    )
    from registry.resolution.keys import (
        NameKey,
        compatible,
        name_key,
        stated_country,
        token_key,
        unit_names,
    )
    from registry.resolution.merge import explain, merge_entities, merges, unmerge
    from registry.resolution.pairs import Pair, candidate_pairs
    from registry.resolution.reports import Duplicate, duplicates

# Each name's module, imported on first use: a lookup reads ``registry.resolution.keys``
# only, and need not load merging, reports and the reviewed decisions (with YAML).
_HOMES = {
    "Decision": "decisions",
    "Duplicate": "reports",
    "KEEP_APART": "decisions",
    "MERGE": "decisions",
    "NameKey": "keys",
    "Outcome": "decide",
    "Pair": "pairs",
    "candidate_pairs": "pairs",
    "compatible": "keys",
    "default_decisions_path": "decisions",
    "duplicates": "reports",
    "explain": "merge",
    "load_decisions": "decisions",
    "merge_entities": "merge",
    "merges": "merge",
    "name_key": "keys",
    "resolve": "decide",
    "stated_country": "keys",
    "token_key": "keys",
    "unit_names": "keys",
    "unmerge": "merge",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "KEEP_APART",
    "MERGE",
    "Decision",
    "Duplicate",
    "NameKey",
    "Outcome",
    "Pair",
    "candidate_pairs",
    "compatible",
    "default_decisions_path",
    "duplicates",
    "explain",
    "load_decisions",
    "merge_entities",
    "merges",
    "name_key",
    "resolve",
    "stated_country",
    "token_key",
    "unit_names",
    "unmerge",
]
