"""How long the "Check organisations" shortcut takes to find the registry's organisations
in a message (a script, not a test).

    python bench/scan.py                       # the bundled registry, and 100k synthetic names
    python bench/scan.py --sizes 0,100000,300000 --messages 300

Builds the bundled registry in a temporary SQLite file, its ``NameIndex`` and the
``MentionScanner`` over it, then scans messages of ``--chars`` characters (default 5,000):
meeting notes in English with registry names, acronyms, near misses and ordinary words;
the same with Chinese passages; and Chinese-heavy notes. Each message is scanned once,
warm (after a warm-up pass), timed with ``time.perf_counter`` around ``scan`` alone, with
the garbage collector on as in the bot. For each extra size N, N synthetic organisations
(Latin names, Chinese names and acronyms, deterministic for ``--seed``) are added to the
bundled names and the scanner is rebuilt: its build time and the same percentiles follow.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

from registry.db import unit_of_work
from registry.lookup import NameIndex
from registry.lookup.build import NameRecord
from registry.lookup.mentions import MentionScanner
from registry.service import Registry

FILLER = [
    "The committee reviewed the travel budget and the next steps for the exchange.",
    "We plan to hit the deadline; the bit rate on the call was poor again.",
    "Action: send the draft MoU to legal before Friday and explain the plan.",
    "University of Toronto and ETH Zurich asked about the summer school.",
    "Shanghai University of Finance and Economics sent two visiting students.",
    "The first affiliated hospital wants a data-sharing agreement.",
    "USC and UCLA are also interested; Harvard University declined.",
    "MEETING NOTES: PLAN AHEAD AND HIT THE TARGETS FOR Q3.",
    "Costs were discussed, and the network attack and defense center was mentioned in passing.",
    "Hikvison and Huawie were misspelt in the minutes, which is fine.",
]
HITS = [
    "Baidu presented their roadmap.",
    "Prof. Li from the National University of Defense Technology joined.",
    "Harbin Institute of Technology (HIT) sent slides.",
    "A paper with the PLA's Academy of Military Sciences in China.",
    "NUDT and BUAA co-authored it.",
    "Tsinghua University and Beijing Institute of Technology both attended.",
]
CHINESE = [
    "我们与北京理工大学和国防科技大学讨论了合作。",
    "会上提到了海康威视和百度，以及北京大学第一附属医院。",
    "精度达到10微米的加工设备由东北大学提供。",
    "下周的会议议程包括预算、差旅和学生交流。",
    "與國防科技大學的合作需要進一步審查。",
]


def message(rng: random.Random, chars: int, kind: str) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < chars:
        roll = rng.random()
        if (kind == "chinese" and roll < 0.7) or (kind == "mixed" and roll < 0.25):
            parts.append(rng.choice(CHINESE))
        elif roll < 0.85:
            parts.append(rng.choice(FILLER))
        else:
            parts.append(rng.choice(HITS))
        if rng.random() < 0.2:
            parts.append("\n-")
    return " ".join(parts)[:chars]


PLACES = ["Beijing", "Shanghai", "Shenzhen", "Wuhan", "Xi'an", "Chengdu", "Hefei", "Nanjing"]
HAN_PLACES = ["北京", "上海", "深圳", "武汉", "西安", "成都", "合肥", "南京"]
SYLLABLES = [
    "an",
    "ba",
    "bo",
    "chen",
    "da",
    "fang",
    "gao",
    "hai",
    "hua",
    "jin",
    "kai",
    "lian",
    "ming",
    "nan",
    "qi",
    "rong",
    "shi",
    "tai",
    "wei",
    "xin",
    "yu",
    "zhi",
]
HAN = "安百博辰达方高海华金凯联明南启荣石泰维鑫宇智"
KINDS = ["Technology Co., Ltd.", "Electronics Co., Ltd.", "Research Institute", "Group Co., Ltd."]
HAN_KINDS = ["科技有限公司", "电子有限公司", "研究所", "集团有限公司"]


def synthetic(n: int, seed: int, first_id: int) -> list[NameRecord]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        entity = first_id + k
        i = rng.randrange(len(PLACES))
        brand = "".join(rng.choice(SYLLABLES) for _ in range(2)).capitalize()
        kind = rng.randrange(len(KINDS))
        han_brand = "".join(rng.choice(HAN) for _ in range(2))
        out.append(NameRecord(entity, f"{PLACES[i]} {brand} {KINDS[kind]}", "name", False, ()))
        out.append(
            NameRecord(
                entity, f"{HAN_PLACES[i]}{han_brand}{HAN_KINDS[kind]}", "Chinese name", False, ()
            )
        )
        if rng.random() < 0.3:
            acronym = "".join(
                rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(rng.choice((3, 4, 5)))
            )
            out.append(NameRecord(entity, acronym, "acronym", True, ()))
    return out


def timed(scanner: MentionScanner, messages: list[str]) -> tuple[list[float], int]:
    for text in messages[:20]:
        scanner.scan(text)  # warm-up
    times, found = [], 0
    for text in messages:
        start = time.perf_counter()
        found += len(scanner.scan(text))
        times.append((time.perf_counter() - start) * 1000)
    return times, found


def report(label: str, times: list[float], found: int | None = None) -> None:
    times = sorted(times)
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    each = f", {found / len(times):.1f} organisations found each" if found is not None else ""
    print(
        f"  {label:<28} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   max {times[-1]:6.2f} ms"
        f"   ({len(times)} messages{each})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0,100000", help="synthetic organisations to add")
    parser.add_argument("--messages", type=int, default=200, help="messages per kind")
    parser.add_argument("--chars", type=int, default=5000, help="characters per message")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.connect(f"sqlite:///{tmp}/registry.sqlite3")
        registry.init()
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
        registry.engine.dispose()
    records = list(index.records)
    names = {r.entity_id: r.text for r in records if r.how == "name"}
    rng = random.Random(args.seed)
    kinds = ("english", "mixed", "chinese")
    messages = {k: [message(rng, args.chars, k) for _ in range(args.messages)] for k in kinds}

    for size in (int(s) for s in args.sizes.split(",")):
        extra = synthetic(size, args.seed, max(names) + 1) if size else []
        all_names = names | {r.entity_id: r.text for r in extra if r.how == "name"}
        start = time.perf_counter()
        scanner = MentionScanner.from_records(records + extra, all_names)
        build = time.perf_counter() - start
        what = "bundled registry" + (f" + {size:,} synthetic organisations" if size else "")
        print(
            f"{what}: {len(all_names):,} organisations, {len(records) + len(extra):,} names;"
            f" scanner built in {build:.2f} s"
        )
        every: list[float] = []
        for kind in kinds:
            times, found = timed(scanner, messages[kind])
            every += times
            report(f"{args.chars:,}-char {kind} notes", times, found)
        report("all", every)


if __name__ == "__main__":
    main()
