"""Measure the name lookup engine, ``NameIndex``, against the targets of issue 4 (a script).

    python bench/lookup.py --sizes 10000,100000,1000000

For each size N it builds an index of N synthetic organisation names in memory (Chinese
companies, groups, institutes and universities with Chinese-script names, Hong Kong and
international companies, all deterministic for ``--seed``), then the index of the real
bundled registry (``mcf-bot db init`` into a temporary SQLite file). Each dataset is
measured in its own Python process (and a synthetic one generated in another, which hands
it over as a pickle), so that peak RSS (``resource.getrusage().ru_maxrss``, the whole
process: interpreter, libraries, the name lists, the queries and the index) belongs to
that dataset's index.

Queries have known answers: one typo (substitution, insertion, deletion, transposition)
in a distinctive word, the legal suffix dropped, words reordered, "&" for "and",
Univ./Tech./Inst., lower case, and for Chinese names the suffix dropped or one character
wrong. Negatives are well-known non-Chinese universities and companies, and near misses:
a registry name with its distinctive word replaced by another brand of the same vocabulary,
kept only if no registry name with a brand within 2 edits has the same non-generic words,
or a subset or superset of them (so that a near miss is never a typo'd or shortened
registry name). In the same run and on the same data, a sample of the queries is also
answered by an exhaustive rapidfuzz scan (``process.extractOne`` with ``fuzz.WRatio``
over every normalised name) and, when ``MCF_BENCH_POSTGRES_URL`` is set, by PostgreSQL
pg_trgm (GIN ``gin_trgm_ops`` index, ``WHERE name % q ORDER BY similarity DESC``):

  pg_virtualenv bash -c 'MCF_BENCH_POSTGRES_URL=postgresql:// python bench/lookup.py --sizes 10000'

(an empty ``postgresql://`` lets libpq read the PGHOST, PGPORT, PGUSER, PGPASSWORD and
PGDATABASE that pg_virtualenv exports).

Latencies are warm (after a separate warm-up set) and taken with ``time.perf_counter``
around each call, with the garbage collector left on as in the bot. ``--profile`` adds
cProfile summaries of the lookups and of an index build (after the timed passes).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import math
import os
import pickle
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from registry.lookup.index import NameIndex
from registry.lookup.types import MatchStatus
from registry.names import normalize

# -- targets from the issue (at 1M names, warm) -----------------------------------------

TARGET_N = 1_000_000
TARGET_P95_MS = 3.0
TARGET_SPEEDUP = 100.0
TARGET_FALSE_MATCH = 0.01
TARGET_BUILD_S = 60.0
TARGET_RSS_MB = 1536.0

SCAN_CUTOFF = 60.0  # WRatio score below which the scan answers nothing (SUGGEST_SCORE)
SCAN_MATCH = 85.0  # a scan "match" on a negative, for comparison with MATCH_SCORE
SCAN_BUDGET = 20_000_000  # names compared by the scan per dataset, when not given
WARMUP = 100

# -- vocabulary -----------------------------------------------------------------------

CITIES = [
    ("Beijing", "北京"), ("Shanghai", "上海"), ("Tianjin", "天津"), ("Chongqing", "重庆"),
    ("Guangzhou", "广州"), ("Shenzhen", "深圳"), ("Chengdu", "成都"), ("Wuhan", "武汉"),
    ("Hangzhou", "杭州"), ("Nanjing", "南京"), ("Xi'an", "西安"), ("Harbin", "哈尔滨"),
    ("Changsha", "长沙"), ("Zhengzhou", "郑州"), ("Jinan", "济南"), ("Qingdao", "青岛"),
    ("Dalian", "大连"), ("Shenyang", "沈阳"), ("Suzhou", "苏州"), ("Wuxi", "无锡"),
    ("Hefei", "合肥"), ("Fuzhou", "福州"), ("Xiamen", "厦门"), ("Kunming", "昆明"),
    ("Nanchang", "南昌"), ("Changchun", "长春"), ("Taiyuan", "太原"),
    ("Shijiazhuang", "石家庄"), ("Lanzhou", "兰州"), ("Guiyang", "贵阳"), ("Nanning", "南宁"),
    ("Urumqi", "乌鲁木齐"), ("Hohhot", "呼和浩特"), ("Ningbo", "宁波"), ("Wenzhou", "温州"),
    ("Dongguan", "东莞"), ("Foshan", "佛山"), ("Zhuhai", "珠海"), ("Xuzhou", "徐州"),
    ("Changzhou", "常州"), ("Yantai", "烟台"), ("Weihai", "威海"), ("Luoyang", "洛阳"),
    ("Mianyang", "绵阳"), ("Baotou", "包头"), ("Zhuzhou", "株洲"), ("Xiangtan", "湘潭"),
    ("Yichang", "宜昌"), ("Baoji", "宝鸡"), ("Anshan", "鞍山"),
]  # fmt: skip
PROVINCES = [
    ("Guangdong", "广东"), ("Jiangsu", "江苏"), ("Zhejiang", "浙江"), ("Shandong", "山东"),
    ("Henan", "河南"), ("Hebei", "河北"), ("Hubei", "湖北"), ("Hunan", "湖南"),
    ("Sichuan", "四川"), ("Fujian", "福建"), ("Anhui", "安徽"), ("Jiangxi", "江西"),
    ("Liaoning", "辽宁"), ("Jilin", "吉林"), ("Heilongjiang", "黑龙江"), ("Shaanxi", "陕西"),
    ("Shanxi", "山西"), ("Yunnan", "云南"), ("Guizhou", "贵州"), ("Gansu", "甘肃"),
    ("Hainan", "海南"), ("Qinghai", "青海"), ("Guangxi", "广西"),
    ("Inner Mongolia", "内蒙古"), ("Xinjiang", "新疆"), ("Ningxia", "宁夏"),
]  # fmt: skip
# Syllables of Chinese brand names, one character each: "Huaxin" is 华信.
SYLLABLES = [
    ("hua", "华"), ("xin", "信"), ("tian", "天"), ("zhong", "中"), ("ke", "科"), ("da", "达"),
    ("hai", "海"), ("long", "龙"), ("feng", "丰"), ("sheng", "盛"), ("tong", "通"),
    ("rui", "瑞"), ("jia", "嘉"), ("hong", "宏"), ("yuan", "远"), ("xing", "星"),
    ("guang", "光"), ("ming", "明"), ("tai", "泰"), ("heng", "恒"), ("bo", "博"),
    ("cheng", "诚"), ("chuang", "创"), ("wei", "威"), ("yu", "宇"), ("jin", "金"),
    ("kai", "凯"), ("lian", "联"), ("yi", "亿"), ("fang", "方"), ("bao", "宝"),
    ("xiang", "翔"), ("chang", "昌"), ("dong", "东"), ("ying", "盈"), ("rong", "荣"),
    ("de", "德"), ("fu", "富"), ("hao", "浩"), ("jun", "骏"), ("li", "立"), ("mei", "美"),
    ("peng", "鹏"), ("qi", "奇"), ("run", "润"), ("shun", "顺"), ("teng", "腾"),
    ("wan", "万"), ("xun", "讯"), ("yao", "耀"), ("ze", "泽"), ("zhi", "智"), ("zhuo", "卓"),
    ("kang", "康"), ("le", "乐"), ("lu", "路"), ("mao", "茂"), ("pu", "普"), ("qing", "清"),
    ("sen", "森"), ("shi", "世"), ("tuo", "拓"), ("wen", "文"), ("xu", "旭"), ("yang", "阳"),
    ("yong", "永"), ("yue", "悦"), ("zhan", "展"), ("zhao", "兆"), ("zhen", "振"),
    ("hui", "汇"), ("jie", "杰"), ("jing", "晶"), ("kun", "坤"), ("lei", "雷"),
    ("ling", "凌"), ("nuo", "诺"), ("ou", "欧"), ("pin", "品"), ("quan", "泉"), ("sai", "赛"),
    ("shen", "神"), ("su", "速"), ("tao", "涛"), ("wo", "沃"), ("xia", "霞"), ("you", "优"),
    ("yun", "云"), ("zhuang", "壮"), ("ao", "奥"), ("bang", "邦"), ("ding", "鼎"),
    ("gao", "高"), ("jian", "建"), ("mai", "迈"), ("nan", "楠"), ("pai", "派"),
    ("sheng", "晟"), ("wang", "旺"), ("zhuo", "灼"),
]  # fmt: skip
INDUSTRIES = [
    ("Electronics", "电子"), ("Optoelectronics", "光电"), ("Information", "信息"),
    ("Software", "软件"), ("Communication", "通信"), ("Semiconductor", "半导体"),
    ("Materials", "材料"), ("New Materials", "新材料"), ("Aerospace", "航天"),
    ("Aviation", "航空"), ("Precision Machinery", "精密机械"),
    ("Intelligent Equipment", "智能装备"), ("Robotics", "机器人"), ("Biotechnology", "生物"),
    ("Pharmaceutical", "医药"), ("Energy", "能源"), ("New Energy", "新能源"),
    ("Power", "电力"), ("Chemical", "化工"), ("Optics", "光学"), ("Instruments", "仪器"),
    ("Microwave", "微波"), ("Navigation", "导航"), ("Radar", "雷达"), ("Network", "网络"),
    ("Data", "数据"), ("Environmental Protection", "环保"), ("Automation", "自动化"),
    ("Testing", "检测"), ("Laser", "激光"), ("Composite Materials", "复合材料"),
    ("Marine Engineering", "海洋工程"), ("Automotive", "汽车"), ("Unmanned Systems", "无人系统"),
    ("Security", "安防"), ("Photonics", "光子"), ("Quantum", "量子"), ("Sensing", "传感"),
    ("Digital", "数字"), ("Import and Export", "进出口"), ("Trade and Development", "贸易发展"),
]  # fmt: skip
FIELDS = [
    ("Science and Technology", "科技"), ("Aeronautics and Astronautics", "航空航天"),
    ("Technology", "理工"), ("Engineering", "工程"), ("Electronic Engineering", "电子工程"),
    ("Information Engineering", "信息工程"), ("Posts and Telecommunications", "邮电"),
    ("Chemical Technology", "化工"), ("Mining and Technology", "矿业"),
    ("Petroleum", "石油"), ("Finance and Economics", "财经"), ("Foreign Studies", "外国语"),
    ("Medical Sciences", "医科"), ("Agriculture", "农业"), ("Forestry", "林业"),
    ("Ocean Sciences", "海洋"), ("Geosciences", "地质"), ("Architecture", "建筑"),
    ("Optics and Fine Mechanics", "光学精密机械"), ("Applied Physics", "应用物理"),
    ("Microelectronics", "微电子"), ("Computing Technology", "计算技术"),
    ("Metal Research", "金属"), ("Acoustics", "声学"), ("Remote Sensing", "遥感"),
    ("Mechanics", "力学"), ("Materials Science", "材料科学"),
]  # fmt: skip
GROUPS = ["CETC", "CASC", "CASIC", "AVIC", "CSSC", "NORINCO", "CNNC", "CSGC", "CAEP", "CAS"]
WEST_SYLLABLES = [
    "ar", "vel", "tri", "nor", "van", "cor", "dyn", "max", "tel", "lum", "ex", "quin",
    "zen", "vor", "pax", "sol", "ter", "mi", "ka", "lo", "ri", "ta", "ne", "gen", "tek",
    "tron", "via", "bel", "dor", "fin", "gra", "hel", "ion", "jor", "kel", "sa", "mor",
]  # fmt: skip
WEST_ENDINGS = ["a", "ix", "on", "is", "ex", "ia", "us", "ent", "o", ""]
WEST_INDUSTRIES = [
    "Dynamics", "Photonics", "Systems", "Microsystems", "Analytics", "Robotics",
    "Aerospace", "Semiconductor", "Materials", "Instruments", "Networks", "Defense",
    "Labs", "Technologies", "Solutions", "Devices", "Optics", "Energy", "Biosciences",
]  # fmt: skip
WEST_SUFFIXES = [
    "Inc.", "Ltd.", "GmbH", "AG", "S.A.", "B.V.", "LLC", "Pte. Ltd.", "Limited", "AB",
    "Oy", "S.p.A.", "plc", "N.V.",
]  # fmt: skip
# Non-Chinese universities and companies that are not in any of the bundled lists.
WELL_KNOWN = [
    "Massachusetts Institute of Technology", "Stanford University", "University of Oxford",
    "University of Cambridge", "ETH Zurich", "Sorbonne University",
    "Technical University of Munich", "University of Tokyo", "KAIST",
    "National University of Singapore", "University of Toronto",
    "California Institute of Technology", "Imperial College London", "Harvard University",
    "Princeton University", "Yale University", "Columbia University",
    "University of Melbourne", "Delft University of Technology", "EPFL",
    "KTH Royal Institute of Technology", "Technion - Israel Institute of Technology",
    "Seoul National University", "McGill University", "Karolinska Institute",
    "Max Planck Society", "Fraunhofer Society", "University of California, Berkeley",
    "Georgia Institute of Technology", "Tokyo Institute of Technology", "Siemens AG",
    "Toyota Motor Corporation", "Samsung Electronics Co., Ltd.", "Sony Group Corporation",
    "Nestlé S.A.", "Unilever PLC", "BASF SE", "Robert Bosch GmbH", "Koninklijke Philips N.V.",
    "Ericsson AB", "Nokia Oyj", "ASML Holding N.V.", "Airbus SE", "The Boeing Company",
    "Lockheed Martin Corporation", "General Electric Company", "Intel Corporation",
    "Microsoft Corporation", "Apple Inc.", "Alphabet Inc.", "Cisco Systems, Inc.",
    "Qualcomm Incorporated", "Texas Instruments Incorporated", "NVIDIA Corporation",
    "Advanced Micro Devices, Inc.", "Hitachi, Ltd.", "Panasonic Holdings Corporation",
    "Mitsubishi Heavy Industries, Ltd.", "Rolls-Royce Holdings plc", "BAE Systems plc",
    "Thales Group", "Safran S.A.", "Leonardo S.p.A.", "Rheinmetall AG", "Volkswagen AG",
    "Bayerische Motoren Werke AG", "Renault Group", "ABB Ltd", "Schneider Electric SE",
    "Honeywell International Inc.", "3M Company", "Johnson & Johnson", "Pfizer Inc.",
    "Novartis AG", "Roche Holding AG", "Sanofi S.A.", "Bayer AG", "Infineon Technologies AG",
    "STMicroelectronics N.V.", "NXP Semiconductors N.V.", "Tata Consultancy Services",
    "Infosys Limited", "Shell plc", "TotalEnergies SE", "Accenture plc",
]  # fmt: skip

LEGAL_WORDS = frozenset(
    ["co", "co.", "ltd", "ltd.", "limited", "inc", "inc.", "gmbh", "ag", "s.a.", "b.v.",
     "llc", "pte", "pte.", "ab", "oy", "s.p.a.", "plc", "n.v."]
)  # fmt: skip
IGNORED = normalize.GENERIC | normalize.STOPWORDS | LEGAL_WORDS
VARIANTS = [
    "exact", "typo-sub", "typo-ins", "typo-del", "typo-swap", "no-suffix", "reorder", "and-amp",
    "abbrev", "lower", "zh-short", "zh-typo",
]  # fmt: skip
ABBREVIATIONS = {"University": "Univ.", "Technology": "Tech.", "Institute": "Inst."}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Org:
    """One synthetic registry entry, with what the query generator needs to know."""

    words: tuple[str, ...]  # the name without its legal suffix
    suffix: str  # "Co., Ltd.", "GmbH", or ""
    native: str | None  # Chinese-script name
    distinctive: str | None  # the brand word a near miss replaces
    native_suffix: str = ""  # 有限公司 etc., dropped by the zh-short variant

    @property
    def name(self) -> str:
        return " ".join(self.words) + (f" {self.suffix}" if self.suffix else "")


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    answers: frozenset[int]  # entity ids that count as right; empty for negatives
    kind: str  # a variant ("typo-sub", ...) or "neg-known" / "neg-near"


@dataclass
class Dataset:
    label: str
    names: list[str]
    natives: list[str | None]
    aliases: list[tuple[int, str, bool]]  # entity id, alias, weak
    queries: list[Query]
    warmup: list[Query]


def engine_fingerprint() -> str:
    """Which lookup engine was measured: the commit, and hashes of the files as loaded."""
    from registry.lookup import build, candidates, decide, scoring, typos
    from registry.lookup import index as index_module
    from registry.lookup import types as types_module

    root = Path(index_module.__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "registry/lookup"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        head += " + uncommitted changes in registry/lookup" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        head = "no git"
    engine = (index_module, build, candidates, scoring, decide, typos, normalize, types_module)
    files = [Path(m.__file__ or "") for m in engine]
    hashes = " ".join(f"{f.name}={hashlib.sha256(f.read_bytes()).hexdigest()[:10]}" for f in files)
    return f"HEAD {head}; {hashes}"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def word_key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


# -- synthetic registry -----------------------------------------------------------------


class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.west_words: set[str] = set()

    def brand(self) -> tuple[str, str]:
        parts = self.rng.choices(SYLLABLES, k=2 if self.rng.random() < 0.6 else 3)
        return "".join(p for p, _ in parts).capitalize(), "".join(h for _, h in parts)

    def west_brand(self) -> str:
        while True:
            k = self.rng.choice((2, 2, 3))
            word = "".join(self.rng.choices(WEST_SYLLABLES, k=k)) + self.rng.choice(WEST_ENDINGS)
            if len(word) >= 5:
                self.west_words.add(word.capitalize())
                return word.capitalize()

    def org(self) -> Org:
        rng = self.rng
        city, city_h = rng.choice(CITIES)
        brand, brand_h = self.brand()
        ind, ind_h = rng.choice(INDUSTRIES)
        r = rng.random() * 100
        zh = rng.random() < 0.4
        if r < 32:  # Shenzhen Huaxin Electronics Technology Co., Ltd.
            native = f"{city_h}{brand_h}{ind_h}科技有限公司" if zh else None
            return Org((city, brand, ind, "Technology"), "Co., Ltd.", native, brand, "有限公司")
        if r < 44:  # Shenzhen Huaxin Electronics Co., Ltd.
            native = f"{city_h}{brand_h}{ind_h}有限公司" if zh else None
            return Org((city, brand, ind), "Co., Ltd.", native, brand, "有限公司")
        if r < 52:  # Huaxin Electronics (Shenzhen) Co., Ltd.
            native = f"{brand_h}{ind_h}（{city_h}）有限公司" if zh else None
            return Org((brand, ind, f"({city})"), "Co., Ltd.", native, brand, "有限公司")
        if r < 59:  # Guangdong Huaxin Group Co., Ltd.
            prov, prov_h = rng.choice(PROVINCES)
            native = f"{prov_h}{brand_h}集团有限公司" if zh else None
            return Org((prov, brand, "Group"), "Co., Ltd.", native, brand, "有限公司")
        field, field_h = rng.choice(FIELDS)
        if r < 69:  # Wuhan Huaxin Institute of Optics and Fine Mechanics
            native = f"{city_h}{brand_h}{field_h}研究所" if zh else None
            return Org((city, brand, "Institute of", field), "", native, brand)
        if r < 71:  # Wuhan Institute of Remote Sensing
            native = f"{city_h}{field_h}研究所" if zh else None
            return Org((city, "Institute of", field), "", native, None)
        if r < 73:  # Harbin University of Science and Technology
            native = f"{city_h}{field_h}大学" if zh else None
            return Org((city, "University of", field), "", native, None)
        if r < 74:  # Hubei University of Technology
            prov, prov_h = rng.choice(PROVINCES)
            native = f"{prov_h}{field_h}大学" if zh else None
            return Org((prov, "University of", field), "", native, None)
        if r < 77:  # Shenzhen Huaxin Vocational and Technical College
            native = f"{city_h}{brand_h}职业技术学院" if zh else None
            words = (city, brand, "Vocational and Technical College")
            return Org(words, "", native, brand)
        if r < 80:  # No. 54 Research Institute of CETC
            words = (f"No. {rng.randint(1, 999)}", "Research Institute of", rng.choice(GROUPS))
            return Org(words, "", None, None)
        if r < 88:  # Huaxin Electronics (Hong Kong) Limited, Huaxin International Holdings
            form = rng.randrange(3)
            if form == 0:
                return Org((brand, ind, "(Hong Kong)"), "Limited", None, brand)
            if form == 1:
                return Org((brand, "International Holdings"), "Limited", None, brand)
            return Org((brand, ind, "International Trading"), "Co., Ltd.", None, brand)
        # Veltrix Photonics GmbH
        west = self.west_brand()
        return Org((west, rng.choice(WEST_INDUSTRIES)), rng.choice(WEST_SUFFIXES), None, west)

    @staticmethod
    def key(org: Org) -> str:
        return " ".join(sorted(word_key(w) for w in " ".join(org.words).split()))

    @staticmethod
    def frame(org: Org) -> str:
        """The non-generic words besides the distinctive one: what a near miss keeps."""
        brand = word_key(org.distinctive or "")
        words = {word_key(w) for w in " ".join(org.words).split()}
        return " ".join(sorted(w for w in words if w and w != brand and w not in IGNORED))


def synthesize(n: int, seed: int, n_pos: int, n_neg: int) -> Dataset:
    rng = random.Random(f"mcf-bench-lookup:{seed}:{n}")
    gen = Generator(rng)
    orgs: list[Org] = []
    keys: set[str] = set()
    natives: set[str] = set()
    frames = Frames()
    vocab: set[str] = set()  # every word of every name
    brands: set[str] = set()  # the distinctive words
    while len(orgs) < n:
        org = gen.org()
        key = gen.key(org)
        if key in keys or (org.native is not None and org.native in natives):
            continue
        keys.add(key)
        if org.native is not None:
            natives.add(org.native)
        if org.distinctive:
            frames.add(gen.frame(org), word_key(org.distinctive))
            brands.add(org.distinctive)
        vocab.update(key.split())
        orgs.append(org)

    aliases: list[tuple[int, str, bool]] = []
    for i, org in enumerate(orgs):
        r = rng.random()
        if r < 0.10 and org.distinctive and len(org.words) > 2:
            aliases.append((i, f"{org.words[0]} {org.words[1]}", False))  # "Shenzhen Huaxin"
        elif r < 0.15:
            initials = "".join(w[0] for w in " ".join(org.words).split() if w[0].isalpha())
            aliases.append((i, initials.upper(), True))

    maker = QueryMaker(rng, vocab, keys, natives, gen)
    positives = maker.positives(orgs, n_pos + WARMUP)
    negatives = maker.negatives(orgs, frames, sorted(brands), n_neg)
    return Dataset(
        label=f"{n:,} synthetic",
        names=[org.name for org in orgs],
        natives=[org.native for org in orgs],
        aliases=aliases,
        queries=positives[:n_pos] + negatives,
        warmup=positives[n_pos:],
    )


# -- noisy queries ----------------------------------------------------------------------


def typo(word: str, kind: str, rng: random.Random) -> str:
    core = word.lower()
    i = rng.randrange(len(core))
    if kind == "typo-sub":
        core = core[:i] + rng.choice(LETTERS.replace(core[i], "")) + core[i + 1 :]
    elif kind == "typo-ins":
        core = core[:i] + rng.choice(LETTERS) + core[i:]
    elif kind == "typo-del":
        core = core[:i] + core[i + 1 :]
    else:
        spots = [j for j in range(len(core) - 1) if core[j] != core[j + 1]]
        if spots:
            j = rng.choice(spots)
            core = core[:j] + core[j + 1] + core[j] + core[j + 2 :]
    if word.isupper():
        return core.upper()
    return core.capitalize() if word[:1].isupper() else core


def distinctive_words(text: str) -> list[str]:
    """Words of a name that carry it (not generic, not a legal form, not a stopword)."""
    return [
        w
        for w in text.replace("(", " ").replace(")", " ").replace(",", " ").split()
        if w.isalpha() and w.lower() not in IGNORED
    ]


def variant(text: str, kind: str, rng: random.Random, suffix: str = "") -> str | None:
    """A noisy form of a Latin-script name, or None if ``kind`` does not apply to it."""
    if kind.startswith("typo-"):
        parts = text.split(" ")
        spots = [i for i, p in enumerate(parts) if distinctive_words(p)]
        if not spots:
            return None
        long = [i for i in spots if len(parts[i].strip("(),")) >= 5]
        i = rng.choice(long) if long else max(spots, key=lambda i: len(parts[i]))
        word = parts[i].strip("(),")
        parts[i] = parts[i].replace(word, typo(word, kind, rng))
        return " ".join(parts)
    if kind == "no-suffix":
        return text[: -len(suffix)].rstrip(" ,") if suffix else None
    if kind == "reorder":
        words = (text[: -len(suffix)].rstrip() if suffix else text).split(" ")
        if len(words) < 2:
            return None
        if len(words) > 3 and words[1] in ("University", "Institute") and words[2] == "of":
            moved = " ".join(words[1:]) + ", " + words[0]  # University of X, Harbin
        else:
            moved = " ".join([words[1], words[0], *words[2:]])
        return f"{moved} {suffix}" if suffix else moved
    if kind == "and-amp":
        if " and " in text:
            return text.replace(" and ", " & ")
        return text.replace(" & ", " and ") if " & " in text else None
    if kind == "abbrev":
        out = " ".join(ABBREVIATIONS.get(w, w) for w in text.split(" "))
        return out if out != text else None
    if kind == "lower":
        return text.lower()
    if kind == "exact":  # the control: the registry name as written
        return text
    return None


def zh_variant(native: str, kind: str, suffix: str, rng: random.Random) -> str | None:
    if kind == "zh-short":
        return native[: -len(suffix)] if suffix and native.endswith(suffix) else None
    if kind == "zh-typo":
        body = len(native) - len(suffix)
        spots = [i for i in range(body) if normalize.has_han(native[i])]
        if not spots:
            return None
        i = rng.choice(spots)
        char = rng.choice([h for _, h in SYLLABLES if h != native[i]])
        return native[:i] + char + native[i + 1 :]
    return None


class Frames:
    """Which brands appear with which non-generic words, to keep near misses honest."""

    def __init__(self) -> None:
        self.brands: dict[str, set[str]] = defaultdict(set)  # frame -> brand keys
        self.with_word: dict[str, set[str]] = defaultdict(set)  # word -> frames with it

    def add(self, frame: str, brand: str) -> None:
        if frame not in self.brands:
            for word in frame.split():
                self.with_word[word].add(frame)
        self.brands[frame].add(brand)

    def look_alike_brands(self, frame: str) -> list[str]:
        """Brands of names whose non-generic words are a subset or superset of these."""
        words = frame.split()  # sorted, as Generator.frame writes them
        if not words:
            related = set(self.brands)  # every frame is a superset of the empty one
        else:
            related = set.intersection(*(self.with_word.get(w, set()) for w in words))
            subsets = (" ".join(c) for k in range(len(words)) for c in combinations(words, k))
            related.update(f for f in subsets if f in self.brands)
        return list({brand for f in related for brand in self.brands[f]})


def known_negatives(count: int) -> list[Query]:
    """Well-known non-Chinese organisations, as written and then in lower case."""
    known = [*WELL_KNOWN, *(w.lower() for w in WELL_KNOWN)][:count]
    return [Query(text, frozenset(), "neg-known") for text in known]


class QueryMaker:
    def __init__(
        self,
        rng: random.Random,
        vocab: set[str],
        keys: set[str],
        natives: set[str],
        gen: Generator,
    ) -> None:
        self.rng = rng
        self.vocab = vocab
        self.keys = keys
        self.natives = natives
        self.gen = gen

    def positives(self, orgs: Sequence[Org], count: int) -> list[Query]:
        out: list[Query] = []
        used: set[int] = set()
        for n in range(count):
            kind = VARIANTS[n % len(VARIANTS)]
            for _ in range(60):
                i = self.rng.randrange(len(orgs))
                if i in used:
                    continue
                q = self._one(orgs[i], kind)
                if q is not None:
                    used.add(i)
                    out.append(Query(q, frozenset((i,)), kind))
                    break
        return out

    def _one(self, org: Org, kind: str) -> str | None:
        if kind.startswith("zh-"):
            if org.native is None:
                return None
            q = zh_variant(org.native, kind, org.native_suffix, self.rng)
            return q if q is not None and q not in self.natives else None
        for _ in range(10):
            q = variant(org.name, kind, self.rng, org.suffix)
            if q is None:
                return None
            if not kind.startswith("typo-"):
                return q
            changed = {word_key(w) for w in q.split()} - {word_key(w) for w in org.name.split()}
            if changed and not changed & self.vocab:
                return q
        return None

    def negatives(
        self, orgs: Sequence[Org], frames: Frames, brands: list[str], count: int
    ) -> list[Query]:
        out = known_negatives(count // 2)
        seen: set[int] = set()
        while len(out) < count:
            i = self.rng.randrange(len(orgs))
            org = orgs[i]
            if i in seen or not org.distinctive:
                continue
            seen.add(i)
            near = self._near_miss(org, frames, brands)
            if near is not None:
                out.append(Query(near, frozenset(), "neg-near"))
        return out

    def _near_miss(self, org: Org, frames: Frames, brands: list[str]) -> str | None:
        """The name with another brand, unless that could be a typo of a registry name.

        Rejected: a brand within 2 edits of a registry brand whose name has the same
        non-generic words, or a subset or superset of them ("Hengtaoshun Energy" when
        "Pengtaoshun New Energy" is listed; "Wolianying Optics" when "Wolianying Optics
        Trading" is): those are the typo and dropped-word positives, not negatives.
        """
        assert org.distinctive is not None
        look_alikes = frames.look_alike_brands(self.gen.frame(org))
        for attempt in range(40):
            if attempt < 30:
                other = self.rng.choice(brands)  # a brand that other names use
            elif org.distinctive in self.gen.west_words:
                other = self.gen.west_brand()
            else:
                other = self.gen.brand()[0]
            if not other.isalpha() or len(other) < 4:
                continue
            if process.extractOne(
                other.lower(), look_alikes, scorer=OSA.distance, score_cutoff=2, processor=None
            ):
                continue
            words = tuple(other if w == org.distinctive else w for w in org.words)
            candidate = Org(words, org.suffix, None, other)
            if self.gen.key(candidate) in self.keys:
                continue
            return candidate.name
        return None


# -- the real bundled registry ----------------------------------------------------------


def real_dataset(index: NameIndex, seed: int, n_pos: int, n_neg: int) -> Dataset:
    """Queries over the bundled registry, drawn from its own names and aliases."""
    rng = random.Random(f"mcf-bench-lookup:{seed}:real")
    by_key: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for rec in index.records:
        by_key[tuple(sorted(rec.tokens))].add(rec.entity_id)

    def answers(text: str) -> frozenset[int]:
        return frozenset(by_key.get(tuple(sorted(normalize.tokens(text))), ()))

    latin = [r for r in index.records if r.how in ("name", "alias") and not r.weak]
    han = [r for r in index.records if r.how == "Chinese name"]
    index_tokens = list(index.vocabulary)
    known_tokens = set(index_tokens)
    queries: list[Query] = []
    for n in range(n_pos + WARMUP):
        kind = VARIANTS[n % len(VARIANTS)]
        for _ in range(60):
            if kind.startswith("zh-"):
                rec = rng.choice(han)
                q = zh_variant(rec.text, kind, _zh_suffix(rec.text), rng)
            else:
                rec = rng.choice(latin)
                q = variant(rec.text, kind, rng, _latin_suffix(rec.text))
                if q is not None and kind.startswith("typo-"):
                    changed = {word_key(w) for w in q.split()} - {
                        word_key(w) for w in rec.text.split()
                    }
                    if not changed or changed & known_tokens:
                        q = None
            if q is not None and (q != rec.text or kind == "exact"):
                queries.append(Query(q, answers(rec.text) | {rec.entity_id}, kind))
                break

    negatives = known_negatives(n_neg // 2)
    while len(negatives) < n_neg:
        rec = rng.choice(latin)
        words = [w for w in distinctive_words(rec.text) if len(w) >= 4]
        if not words:
            continue
        target = max(words, key=len)
        other = Generator(rng).brand()[0]
        if process.extractOne(
            other.lower(), index_tokens, scorer=OSA.distance, score_cutoff=2, processor=None
        ):
            continue
        text = " ".join(other if w == target else w for w in rec.text.split(" "))
        if text != rec.text and not answers(text):
            negatives.append(Query(text, frozenset(), "neg-near"))
    return Dataset("bundled registry", [], [], [], queries[:n_pos] + negatives, queries[n_pos:])


def _latin_suffix(text: str) -> str:
    for suffix in ("Co., Ltd.", "Co., Limited", "Company Limited", "Co. Ltd.", "Limited", "Ltd."):
        if text.endswith(" " + suffix):
            return suffix
    return ""


def _zh_suffix(text: str) -> str:
    for suffix in ("有限责任公司", "有限公司", "公司"):
        if text.endswith(suffix):
            return suffix
    return ""


# -- measuring --------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def pct(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def build_synthetic(data: Dataset) -> NameIndex:
    index = NameIndex()
    for i, name in enumerate(data.names):
        index.add_name(i, name, "name")
        native = data.natives[i]
        if native:
            index.add_name(i, native, "Chinese name")
    for i, alias, weak in data.aliases:
        index.add_name(i, alias, "acronym" if weak else "alias", weak=weak)
    index.freeze()
    return index


def run_lookups(index: NameIndex, queries: Sequence[Query]) -> dict[str, Any]:
    times: list[float] = []
    outcomes: list[tuple[str, int | None]] = []
    clock = time.perf_counter
    cpu0 = time.process_time()
    for q in queries:
        t0 = clock()
        result = index.lookup(q.text)
        times.append(clock() - t0)
        best = result.best
        outcomes.append((result.status.value, best.entity_id if best else None))
    # CPU time per lookup: what a query costs, less inflated than wall time when other
    # jobs share the cores.
    cpu = (time.process_time() - cpu0) / max(len(queries), 1)
    return {"times": times, "outcomes": outcomes, "cpu": cpu}


def score(queries: Sequence[Query], outcomes: Sequence[tuple[str, int | None]]) -> dict[str, Any]:
    pos = neg = match_ok = top1 = wrong_match = false_match = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, match ok, top-1 ok
    for q, (status, best) in zip(queries, outcomes, strict=True):
        row = by_kind[q.kind]
        row[0] += 1
        if q.answers:
            pos += 1
            right = best in q.answers
            if status == MatchStatus.MATCH:
                match_ok += right
                wrong_match += not right
                row[1] += right
            if status != MatchStatus.NONE and right:
                top1 += 1
                row[2] += 1
        else:
            neg += 1
            false_match += status == MatchStatus.MATCH
            row[1] += status == MatchStatus.MATCH
            row[2] += status != MatchStatus.NONE
    return {
        "positives": pos,
        "negatives": neg,
        "match_ok": match_ok / max(pos, 1),
        "top1": top1 / max(pos, 1),
        "wrong_match": wrong_match / max(pos, 1),
        "false_match": false_match / max(neg, 1),
        "by_kind": dict(by_kind),
    }


def subset(queries: Sequence[Query], count: int) -> list[int]:
    """Evenly spaced positions, positives and negatives in their proportion."""
    pos = [i for i, q in enumerate(queries) if q.answers]
    neg = [i for i, q in enumerate(queries) if not q.answers]
    n_neg = round(count * len(neg) / max(len(queries), 1))
    n_pos = count - n_neg

    def spread(items: list[int], k: int) -> list[int]:
        k = min(k, len(items))
        return [items[j * len(items) // k] for j in range(k)] if k else []

    return sorted(spread(pos, n_pos) + spread(neg, n_neg))


def run_scan(index: NameIndex, queries: Sequence[Query]) -> dict[str, Any]:
    choices = [" ".join(rec.tokens) for rec in index.records]
    owners = [rec.entity_id for rec in index.records]
    clock = time.perf_counter

    def one(text: str) -> tuple[int | None, float]:
        hit = process.extractOne(
            " ".join(normalize.tokens(text)),
            choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=SCAN_CUTOFF,
        )
        return (owners[hit[2]], hit[1]) if hit else (None, 0.0)

    for q in queries[:3]:
        one(q.text)
    times: list[float] = []
    top1 = pos = neg = false85 = 0
    for q in queries:
        t0 = clock()
        owner, best = one(q.text)
        times.append(clock() - t0)
        if q.answers:
            pos += 1
            top1 += owner in q.answers
        else:
            neg += 1
            false85 += best >= SCAN_MATCH
    return {
        "times": times,
        "top1": top1 / max(pos, 1),
        "false85": false85 / max(neg, 1),
        "positives": pos,
        "negatives": neg,
    }


def run_postgres(url: str, index: NameIndex, queries: Sequence[Query]) -> dict[str, Any]:
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
        ).fetchone()
        if row is None:
            return {"skipped": "pg_trgm is not available on this server (postgresql-contrib)"}
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("DROP TABLE IF EXISTS mcf_bench_names")
        conn.execute(
            "CREATE UNLOGGED TABLE mcf_bench_names (id int, entity_id int, name text NOT NULL)"
        )
        t0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY mcf_bench_names (id, entity_id, name) FROM STDIN") as copy,
        ):
            for i, rec in enumerate(index.records):
                copy.write_row((i, rec.entity_id, " ".join(rec.tokens)))
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute(
            "CREATE INDEX mcf_bench_names_trgm ON mcf_bench_names USING gin (name gin_trgm_ops)"
        )
        conn.execute("ANALYZE mcf_bench_names")
        index_s = time.perf_counter() - t0
        sql = (
            "SELECT entity_id, similarity(name, %(q)s) AS s FROM mcf_bench_names "
            "WHERE name %% %(q)s ORDER BY s DESC LIMIT 5"
        )
        texts = [" ".join(normalize.tokens(q.text)) for q in queries]
        for text in texts[:5]:
            conn.execute(sql, {"q": text}).fetchall()
        times: list[float] = []
        top1 = pos = 0
        for q, text in zip(queries, texts, strict=True):
            t0 = time.perf_counter()
            rows = conn.execute(sql, {"q": text}).fetchall()
            times.append(time.perf_counter() - t0)
            if q.answers:
                pos += 1
                top1 += bool(rows) and rows[0][0] in q.answers
        conn.execute("DROP TABLE mcf_bench_names")
    return {
        "load_s": load_s,
        "index_s": index_s,
        "times": times,
        "top1": top1 / max(pos, 1),
        "n": len(queries),
    }


def profile(label: str, fn: Callable[[], object], top: int = 18) -> None:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    log(f"cProfile, {label} (sorted by own time):\n{out.getvalue()}")


def generated(n: int, args: argparse.Namespace) -> Dataset:
    """The synthetic dataset, made by a child process: the generator's bookkeeping (sets
    of keys, frames, a million ``Org`` objects) must not count in this process's peak."""
    with tempfile.TemporaryDirectory(prefix="mcf-bench-lookup-") as tmp:
        path = Path(tmp) / "dataset.pickle"
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--generate", str(n),
             "--out", str(path), f"--seed={args.seed}", f"--queries={args.queries}",
             f"--negatives={args.negatives}"],
            check=True,
        )  # fmt: skip
        with path.open("rb") as f:
            data: Dataset = pickle.load(f)
    return data


def worker(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    engine = engine_fingerprint()
    gc.collect()
    rss0 = rss_mb()
    if spec == "real":
        from registry.db import unit_of_work
        from registry.service import Registry

        tmp = tempfile.TemporaryDirectory(prefix="mcf-bench-lookup-")
        registry = Registry.connect(f"sqlite:///{tmp.name}/registry.sqlite3")
        t0 = time.perf_counter()
        registry.init()
        log(f"bundled registry created in {time.perf_counter() - t0:.1f}s (not the index)")
        gc.collect()
        rss0 = rss_mb()
        t0 = time.perf_counter()
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
        build_s = time.perf_counter() - t0
        data = real_dataset(index, args.seed, args.queries, args.negatives)
        n_names = len({rec.entity_id for rec in index.records})
    else:
        n = int(spec)
        t0 = time.perf_counter()
        data = generated(n, args)
        log(
            f"{n:,} names and {len(data.queries)} queries generated "
            f"in {time.perf_counter() - t0:.1f}s (in another process)"
        )
        gc.collect()
        rss0 = rss_mb()
        t0 = time.perf_counter()
        index = build_synthetic(data)
        build_s = time.perf_counter() - t0
        n_names = n
        if args.profile:
            head = Dataset("", data.names[:100_000], data.natives[:100_000], [], [], [])
            profile(f"index build of {len(head.names):,} names", lambda: build_synthetic(head))
        data.names.clear()
        data.natives.clear()
    peak = peak_rss_mb()
    grown = rss_mb() - rss0
    log(
        f"{data.label}: index of {len(index.records):,} records built in {build_s:.1f}s, "
        f"peak RSS {peak:.0f} MB (+{grown:.0f} MB)"
    )

    run_lookups(index, data.warmup)
    measured = run_lookups(index, data.queries)
    quality = score(data.queries, measured["outcomes"])
    times = measured["times"]
    log(
        f"{len(times)} lookups: p50 {pct(times, 50) * 1e3:.2f} ms, "
        f"p95 {pct(times, 95) * 1e3:.2f} ms, max {max(times) * 1e3:.1f} ms"
    )
    slowest = sorted(range(len(times)), key=times.__getitem__)[-5:]
    for i in reversed(slowest):
        log(f"  slow: {times[i] * 1e3:7.1f} ms  {data.queries[i].kind:10} {data.queries[i].text!r}")
    if args.profile:
        again = [data.queries[i] for i in subset(data.queries, 300)]
        index._answers.clear()  # answers are remembered: profile the lookups, not a dict
        profile(f"{len(again)} of the lookups again", lambda: run_lookups(index, again))

    records = len(index.records)
    scan_n = args.scan_queries or max(50, min(len(data.queries), SCAN_BUDGET // records))
    picked = subset(data.queries, scan_n)
    sample = [data.queries[i] for i in picked]
    scan = run_scan(index, sample)
    index_on_sample = score(sample, [measured["outcomes"][i] for i in picked])
    sample_times = [times[i] for i in picked]
    log(
        f"exhaustive scan of {records:,} names: {len(sample)} queries, "
        f"p50 {pct(scan['times'], 50) * 1e3:.1f} ms"
    )

    result: dict[str, Any] = {
        "engine": engine,
        "label": data.label,
        "names": n_names,
        "records": records,
        "build_s": build_s,
        "peak_rss_mb": peak,
        "build_rss_mb": grown,
        "p50": pct(times, 50),
        "p95": pct(times, 95),
        "p99": pct(times, 99),
        "max": max(times),
        "mean": statistics.fmean(times),
        "cpu": measured["cpu"],
        "quality": quality,
        "scan": {
            "n": len(sample),
            "p50": pct(scan["times"], 50),
            "p95": pct(scan["times"], 95),
            "top1": scan["top1"],
            "false85": scan["false85"],
            "index_top1": index_on_sample["top1"],
            "index_p50": pct(sample_times, 50),
            "index_p95": pct(sample_times, 95),
        },
    }
    pg_url = os.environ.get("MCF_BENCH_POSTGRES_URL")
    if pg_url:
        try:
            pg = run_postgres(pg_url, index, sample)
        except Exception as exc:  # report, do not lose the other figures
            pg = {"skipped": f"{type(exc).__name__}: {exc}"}
        if "times" in pg:
            pg["p50"], pg["p95"] = pct(pg["times"], 50), pct(pg["times"], 95)
            del pg["times"]
        result["postgres"] = pg
    return result


# -- report -----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}" if seconds < 0.1 else f"{seconds * 1e3:.0f}"


def percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def report(results: list[dict[str, Any]]) -> None:
    engines = sorted({r["engine"] for r in results})
    print(f"\nEngine measured: {engines[0]}")
    if len(engines) > 1:
        print("WARNING: the engine changed during the run; per dataset:")
        for r in results:
            print(f"  {r['label']}: {r['engine']}")
    print(
        "\nNameIndex (latency over all queries, warm; CPU = process time per lookup; RSS = "
        "ru_maxrss of the process)"
    )
    print(table(
        ["dataset", "records", "build s", "peak RSS MB", "+build MB", "mean ms", "CPU ms",
         "p50 ms", "p95 ms", "p99 ms", "max ms", "match ok", "top-1 ok", "wrong match",
         "false match"],
        [[r["label"], f"{r['records']:,}", f"{r['build_s']:.1f}", f"{r['peak_rss_mb']:.0f}",
          f"{r['build_rss_mb']:.0f}", ms(r["mean"]), ms(r["cpu"]), ms(r["p50"]), ms(r["p95"]),
          ms(r["p99"]), ms(r["max"]),
          percent(r["quality"]["match_ok"]), percent(r["quality"]["top1"]),
          percent(r["quality"]["wrong_match"]), percent(r["quality"]["false_match"])]
         for r in results],
    ))  # fmt: skip
    q = results[0]["quality"]
    print(
        f"({q['positives']} positives, {q['negatives']} negatives per dataset; "
        "match ok = confident match and right; top-1 ok = match or ambiguous with the right "
        "entity first; wrong match = confident and wrong; false match = negative answered "
        "with a confident match)"
    )

    print(
        "\nExhaustive scan, same run and data: rapidfuzz process.extractOne, fuzz.WRatio, "
        f"score_cutoff={SCAN_CUTOFF:g}, on an evenly spread sample of the same queries"
    )
    print(table(
        ["dataset", "queries", "scan p50 ms", "scan p95 ms", "scan top-1", "scan >=85 on neg",
         "index p50 ms", "index p95 ms", "index top-1", "speed x p50", "speed x p95"],
        [[r["label"], str(s["n"]), ms(s["p50"]), ms(s["p95"]), percent(s["top1"]),
          percent(s["false85"]), ms(s["index_p50"]), ms(s["index_p95"]),
          percent(s["index_top1"]), f"{s['p50'] / s['index_p50']:.0f}",
          f"{s['p95'] / s['index_p95']:.0f}"]
         for r in results if (s := r["scan"])],
    ))  # fmt: skip

    pg_rows = [r for r in results if "postgres" in r]
    if pg_rows:
        print(
            "\nPostgreSQL pg_trgm (GIN gin_trgm_ops; WHERE name % q ORDER BY similarity DESC "
            "LIMIT 5; same sample)"
        )
        rows = []
        for r in pg_rows:
            pg = r["postgres"]
            if "skipped" in pg:
                rows.append([r["label"], "skipped: " + pg["skipped"], "", "", "", "", ""])
            else:
                rows.append(
                    [
                        r["label"],
                        str(pg["n"]),
                        f"{pg['load_s']:.1f}",
                        f"{pg['index_s']:.1f}",
                        ms(pg["p50"]),
                        ms(pg["p95"]),
                        percent(pg["top1"]),
                    ]
                )
        print(table(["dataset", "queries", "COPY s", "GIN s", "p50 ms", "p95 ms", "top-1"], rows))

    kinds = list(dict.fromkeys(k for r in results for k in r["quality"]["by_kind"]))
    print(
        "\nBy query kind: top-1 ok / confident match ok / n "
        "(negatives: answered at all / confident match / n)"
    )
    print(table(
        ["kind", *(r["label"] for r in results)],
        [[k, *(("{2}/{1}/{0}".format(*r["quality"]["by_kind"][k])
                if k in r["quality"]["by_kind"] else "-") for r in results)] for k in kinds],
    ))  # fmt: skip

    big = [r for r in results if r["label"].endswith("synthetic")]
    if not big:
        return
    r = max(big, key=lambda r: r["names"])
    note = "" if r["names"] >= TARGET_N else f" (targets are for 1M; largest run: {r['label']})"
    s = r["scan"]
    checks = [
        ("warm p95 <= 3 ms", f"{ms(r['p95'])} ms", r["p95"] * 1e3 <= TARGET_P95_MS),
        (">= 100x faster than the scan (p50)", f"{s['p50'] / s['index_p50']:.0f}x",
         s["p50"] / s["index_p50"] >= TARGET_SPEEDUP),
        ("recall@1 >= the scan's (same sample)",
         f"{percent(s['index_top1'])} vs {percent(s['top1'])}", s["index_top1"] >= s["top1"]),
        ("false-match rate <= 1%", percent(r["quality"]["false_match"]),
         r["quality"]["false_match"] <= TARGET_FALSE_MATCH),
        ("index build <= 60 s", f"{r['build_s']:.1f} s", r["build_s"] <= TARGET_BUILD_S),
        ("peak RSS <= 1.5 GB", f"{r['peak_rss_mb']:.0f} MB",
         r["peak_rss_mb"] <= TARGET_RSS_MB),
    ]  # fmt: skip
    print(f"\nTargets from issue 4 at 1M names, warm{note}")
    print(
        table(["target", "measured", "met"], [[t, m, "yes" if ok else "NO"] for t, m, ok in checks])
    )


# -- cold start: a new process opening the saved index (issue 15) ------------------------

COLD_RUNS = 3


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (``/usr/bin/time -f``'s %M) and stderr of ``cmd``."""
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %M", *cmd], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr[-2000:]}")
    lines = proc.stderr.strip().splitlines()
    _, wall, kb = lines[-1].split()
    return float(wall), int(kb) / 1024, "\n".join(lines[:-1])


def cold_registry(n: int, args: argparse.Namespace, path: Path) -> None:
    """A SQLite registry of ``n`` synthetic organisations (with their aliases)."""
    from sqlalchemy import insert

    from registry.models import Alias, Change, Entity
    from registry.service import Registry

    data = generated(n, args)
    registry = Registry.connect(f"sqlite:///{path}")
    registry.init(empty=True)
    with registry.engine.begin() as conn:
        rows = [
            {"id": i + 1, "key": f"synthetic-{i + 1}", "name": name, "native_name": native}
            for i, (name, native) in enumerate(zip(data.names, data.natives, strict=True))
        ]
        for at in range(0, len(rows), 50_000):
            conn.execute(insert(Entity), rows[at : at + 50_000])
        aliases = [{"entity_id": e, "name": a, "weak": w} for e, a, w in data.aliases]
        if aliases:
            conn.execute(insert(Alias), aliases)
        conn.execute(insert(Change), [{"kind": "entity_added", "entity_id": 1, "detail": {}}])
    registry.engine.dispose()


def serve_healthy(env: dict[str, str]) -> float:
    """Seconds from starting ``mcf-bot serve`` to its first healthy ``/healthz``."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = dict(
        env,
        MCF_PORT=str(port),
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench",
        SLACK_API_URL="http://127.0.0.1:9/api/",  # never called before a request
    )
    env.pop("SLACK_APP_TOKEN", None)
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "bot.cli", "serve", "--no-alerts"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"serve exited with {proc.returncode}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cold_start(n: int, args: argparse.Namespace) -> int:
    """``mcf-bot ask`` in new processes over ``n`` names: the first builds and saves the
    index, the next ones open it. Compared with ``python -c "import sqlalchemy.orm"``.
    Then how long ``mcf-bot serve`` takes to be healthy over the saved index."""
    with tempfile.TemporaryDirectory(prefix="mcf-bench-cold-") as tmp:
        db = Path(tmp) / "registry.sqlite3"
        started = time.perf_counter()
        if args.registry:
            shutil.copy(args.registry, db)
        else:
            cold_registry(n, args, db)
        log(f"registry of {n:,} names written in {time.perf_counter() - started:.0f} s")
        env = dict(os.environ, MCF_DATABASE_URL=f"sqlite:///{db}")
        ask = [sys.executable, "-m", "bot.cli", "ask", "Beijing Institute of Technology"]
        first = _timed(ask, env)
        log(f"first ask (builds and saves the index): {first[0]:.1f} s, {first[1]:.0f} MB")
        log(f"  its stderr: {first[2]}")
        size = (Path(f"{db}.index")).stat().st_size / 1e6
        base = sorted(
            _timed([sys.executable, "-c", "import sqlalchemy.orm"], env)[0]
            for _ in range(COLD_RUNS)
        )
        again = sorted((_timed(ask, env) for _ in range(COLD_RUNS)), key=lambda r: r[0])
        median_base, median = base[len(base) // 2], again[len(again) // 2]
        peak = max(r[1] for r in again)
        print(f"names {n:,}; saved index {size:.0f} MB; load average {os.getloadavg()[0]:.1f}")
        print(f"python -c 'import sqlalchemy.orm': median {median_base:.2f} s of {COLD_RUNS}")
        print(
            f"second mcf-bot ask: median {median[0]:.2f} s of {COLD_RUNS} "
            f"({median[0] / median_base:.1f}x the import), peak RSS {peak:.0f} MB"
        )
        print(f"first mcf-bot ask (build + save): {first[0]:.1f} s, peak RSS {first[1]:.0f} MB")
        print(f"mcf-bot serve healthy {serve_healthy(env):.1f} s after start")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated numbers of synthetic names"
    )
    parser.add_argument("--queries", type=int, default=1000, help="positive queries per size")
    parser.add_argument("--negatives", type=int, default=300, help="negative queries per size")
    parser.add_argument(
        "--scan-queries",
        type=int,
        default=0,
        help=f"queries for the exhaustive scan (default: {SCAN_BUDGET:,} names "
        "compared, at least 50)",
    )
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-real", action="store_true", help="skip the bundled registry")
    parser.add_argument("--profile", action="store_true", help="print cProfile summaries")
    parser.add_argument(
        "--cold", type=int, metavar="N", help="only the cold start: mcf-bot ask over N names"
    )
    parser.add_argument(
        "--registry", help="with --cold: a copy of this SQLite registry instead of a new one"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.generate:
        data = synthesize(args.generate, args.seed, args.queries, args.negatives)
        with open(args.out, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        return 0

    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return 0

    if args.cold:
        return cold_start(args.cold, args)

    specs = [] if args.no_real else ["real"]
    specs += [str(int(s.replace("_", ""))) for s in args.sizes.split(",") if s.strip()]
    passthrough = [
        f"--queries={args.queries}",
        f"--negatives={args.negatives}",
        f"--scan-queries={args.scan_queries}",
        f"--seed={args.seed}",
    ]
    if args.profile:
        passthrough.append("--profile")
    results = []
    for spec in specs:
        log(f"dataset {spec}: starting a fresh process")
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", spec, *passthrough],
            stdout=subprocess.PIPE,
            text=True,
        )
        if proc.returncode != 0:
            log(f"dataset {spec} failed with exit code {proc.returncode}")
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if results:
        report(results)
    return 0 if len(results) == len(specs) else 1


if __name__ == "__main__":
    sys.exit(main())
