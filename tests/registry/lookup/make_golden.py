"""Regenerate golden.csv from the bundled registry (run by hand, output reviewed and
committed): python tests/registry/lookup/make_golden.py > tests/registry/lookup/golden.csv

Positives apply one transformation each to a real registry name: a typo (adjacent
transposition) in a distinctive word, a dropped legal suffix, lower case, word order,
"&" for "and", abbreviations, British spelling, a registered acronym, the Chinese name in
simplified or traditional characters, a partial Chinese name, pinyin. Negatives are
well-known organisations outside the registry and Chinese near-misses that are not in it.
Namesakes of listed names (real foreign universities, institutes and companies) are kept
by hand in namesakes.csv, beside this file; test_golden.py reads both.
"""

from __future__ import annotations

import csv
import random
import re
import sys
import tempfile
from collections import Counter

import opencc
from pypinyin import lazy_pinyin
from sqlalchemy import select

from registry.db import unit_of_work
from registry.models import Alias, Entity
from registry.names.normalize import GENERIC
from registry.service import Registry

NEGATIVES = [
    "Harvard University",
    "Massachusetts Institute of Technology",
    "Stanford University",
    "University of Toronto",
    "University of Oxford",
    "University of Cambridge",
    "ETH Zurich",
    "University of Melbourne",
    "Australian National University",
    "University of Southern California",
    "Imperial College London",
    "Siemens AG",
    "Microsoft Corporation",
    "Apple Inc.",
    "Toyota Motor Corporation",
    "Samsung Electronics Co., Ltd.",
    "BAE Systems plc",
    "Lockheed Martin Corporation",
    "Airbus SE",
    "Nokia Oyj",
    "Delft University of Technology",
    "Technical University of Munich",
    "University of Tokyo",
    "Seoul National University",
    "National University of Singapore",
    "McGill University",
    "University of British Columbia",
    "Karolinska Institutet",
    "Max Planck Society",
    "Fraunhofer Society",
    "Ericsson AB",
    "Thales Group",
    "Rolls-Royce Holdings plc",
    "Mitsubishi Heavy Industries",
    "Honeywell International Inc.",
    "Beijing Normal University",
    "Shanghai Normal University",
    "Hunan Normal University",
    "Nanjing University of Finance and Economics",
    "Beijing Foreign Studies University",
    "Shanghai International Studies University",
    "Central Conservatory of Music",
    "China Academy of Art",
    "Beijing Film Academy",
    "Zhejiang Gongshang University",
    "Hangzhou Dianzi Vocational College",
    "Shenzhen Bright Lighting Co., Ltd.",
    "Guangzhou Pearl River Piano Group",
    "Qingdao Haier Refrigerator Co., Ltd.",
    "Wuhan Golden Lotus Textile Co., Ltd.",
    "Chengdu Panda Breeding Research Base",
    "Xiamen Luckyfield Tea Co., Ltd.",
    "Suzhou Silk Museum",
    "Tianjin Conservatory of Music",
    "北京师范大学",
    "上海外国语大学",
    "中央音乐学院",
    "中国美术学院",
    # Real universities one kind-word away from listed ones: never a confident answer.
    "Tianjin University of Technology",
    "Beijing University of Technology",
    "Sichuan University of Science and Engineering",
    "Zhejiang University of Technology",
]

T2S = opencc.OpenCC("s2t")
ABBREV = {"University": "Univ.", "Technology": "Tech.", "Institute": "Inst."}
SUFFIX = re.compile(r",?\s+(Co\.,? Ltd\.?|Company Limited|Limited|Ltd\.?|Inc\.?|Corporation)$")


def _typo(rng: random.Random, name: str) -> str | None:
    words = [w for w in re.findall(r"[A-Za-z]{7,}", name) if w.lower() not in GENERIC]
    if not words:
        return None
    word = rng.choice(words)
    i = rng.randrange(1, len(word) - 2)
    return name.replace(word, word[:i] + word[i + 1] + word[i] + word[i + 2 :], 1)


def cases(session, rng: random.Random) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    out: list[tuple[str, str, str]] = []
    entities = session.execute(select(Entity.id, Entity.key, Entity.name, Entity.native_name))
    aliases: dict[int, list[str]] = {}
    alias_rows = list(session.execute(select(Alias.entity_id, Alias.name)))
    owners = Counter(name.lower() for _, name in alias_rows)
    for entity_id, name in alias_rows:
        if owners[name.lower()] == 1:  # an acronym two organisations share is ambiguous
            aliases.setdefault(entity_id, []).append(name)
    rows = list(entities)
    all_names = Counter(row.name.lower() for row in rows)
    for entity_id, key, name, native in rows:
        if all_names[name.lower()] > 1:
            continue
        if (t := _typo(rng, name)) is not None:
            out.append((t, key, "typo"))
        if SUFFIX.search(name):
            out.append((SUFFIX.sub("", name), key, "no legal suffix"))
        out.append((name.lower(), key, "lower case"))
        words = name.split()
        if 3 <= len(words) <= 6 and "of" not in words:
            out.append((" ".join(words[1:] + words[:1]), key, "word order"))
        if " and " in name:
            out.append((name.replace(" and ", " & "), key, "& for and"))
        for long, short in ABBREV.items():
            if long in name:
                out.append((name.replace(long, short), key, "abbreviation"))
                break
        if "Defense" in name:
            out.append((name.replace("Defense", "Defence"), key, "British spelling"))
        for alias in aliases.get(entity_id, []):
            if alias.isupper() and 3 <= len(alias) <= 6 and alias.isalpha():
                out.append((alias, key, "acronym"))
        if native:
            out.append((native, key, "Chinese"))
            out.append((T2S.convert(native), key, "traditional Chinese"))
            if native.startswith("中国人民解放军") and len(native) > 10:
                out.append((native[len("中国人民解放军") :], key, "partial Chinese"))
            syllables = lazy_pinyin(native)
            if 4 <= len(syllables) <= 10:
                pairs = [
                    "".join(syllables[i : i + 2]).capitalize() for i in range(0, len(syllables), 2)
                ]
                out.append((" ".join(pairs), key, "pinyin"))
    return out


def main() -> None:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.connect(f"sqlite:///{tmp}/golden.sqlite3")
        registry.init()
        with unit_of_work(registry.sessions) as session:
            positives = cases(session, rng)
            # A negative a list now names (Guangdong University of Technology came with
            # the Unverified List) is no negative: the registry decides, not this list.
            listed = {n.casefold() for n in session.scalars(select(Entity.name))}
            listed |= {n.casefold() for n in session.scalars(select(Alias.name))}
    # An even spread over transformations: up to 30 of each kind.
    by_kind: dict[str, list[tuple[str, str, str]]] = {}
    for case in positives:
        by_kind.setdefault(case[2], []).append(case)
    chosen = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        rng.shuffle(group)
        chosen += group[:30]
    writer = csv.writer(sys.stdout)
    writer.writerow(["query", "expected_key", "kind"])
    for query, key, kind in chosen:
        writer.writerow([query, key, kind])
    for query in NEGATIVES:
        if query.casefold() not in listed:
            writer.writerow([query, "", "negative"])


if __name__ == "__main__":
    main()
