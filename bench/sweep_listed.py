"""Ask the index for every listed organisation in every way a person may write it, and
print how often the answer is that organisation (a script; figures, not a test):

    python bench/sweep_listed.py [--db registry.sqlite3] [-v]

For every organisation with an open period on a public list (every list but ASPI's
tracker and ratings): its listed name, each alias (acronyms apart, they are shared by
design), the listed name without its legal form, and each Chinese name it holds; then
the listed name as people mistype or respell it (a letter left out of its longest word,
two letters swapped, lower case without punctuation, "Company Limited" for "Co., Ltd.",
a word abbreviated, "Intl" for "International", and without the Chinese city or province
it starts with and its legal form, two words at least left)
and each Chinese name in traditional characters, without its company suffix, and in
pinyin (a word a character, digits and Latin letters as written), with and without the
suffix. A query counts as right when the organisation comes first; "confident" when it is
also a match, not a "did you mean"; "none" counts the queries answered with no name at
all. An alias that two entities hold is counted as right when either comes first.
``--db`` reads a registry file instead of building the bundled one.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter, defaultdict

import opencc
from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import unit_of_work
from registry.importers.lists import without_legal_form
from registry.lookup import MatchStatus, NameIndex
from registry.lookup.namesakes import INSTITUTIONS
from registry.models import Alias, Entity
from registry.names.legal_forms import without_han_company_suffix
from registry.names.normalize import normalize_name, strip_legal_forms
from registry.names.places import PLACES
from registry.names.script import has_han
from registry.service import Registry
from registry.views.queries import legally_listed_ids

KINDS = (
    "listed name",
    "alias",
    "without legal form",
    "Chinese name",
    "letter left out",
    "letters swapped",
    "lower, no punctuation",
    "Company Limited",
    "traditional Chinese",
    "Chinese, no suffix",
    "pinyin",
    "pinyin, no suffix",
    "without its place",
    "abbreviated",
)
# Words people abbreviate in a company name, and how (the first found is shortened).
ABBREVIATED = (
    ("International", "Intl"),
    ("Technology", "Tech"),
    ("Corporation", "Corp"),
    ("Import and Export", "Imp & Exp"),
    ("Electronics", "Elec"),
    ("Engineering", "Eng"),
    ("Institute", "Inst"),
    ("University", "Univ"),
    ("Industry", "Ind"),
)
# Words a letter is left out of, or two letters swapped in: the longest of at least this
# many letters (shorter words have no typo budget to spare).
TYPO_WORD = 7
_CO_LTD = re.compile(r"\bCo\.,? Ltd\.?$")
_TO_TRADITIONAL = opencc.OpenCC("s2t")
_TO_SIMPLIFIED = opencc.OpenCC("t2s")


def main() -> int:
    args = sys.argv[1:]
    verbose = "-v" in args
    db = args[args.index("--db") + 1] if "--db" in args else None
    with tempfile.TemporaryDirectory() as tmp:
        registry = Registry.connect(f"sqlite:///{db or f'{tmp}/sweep.sqlite3'}")
        if db is None:
            registry.init()
        with unit_of_work(registry.sessions) as session:
            index = NameIndex.build(session)
            queries = _queries(session)
        registry.engine.dispose()
    asked: Counter[str] = Counter()
    right: Counter[str] = Counter()
    sure: Counter[str] = Counter()
    none: Counter[str] = Counter()
    for kind, query, wanted in queries:
        result = index.lookup(query)
        asked[kind] += 1
        none[kind] += result.best is None
        if result.best is not None and result.best.entity_id in wanted:
            right[kind] += 1
            sure[kind] += result.status is MatchStatus.MATCH
            if verbose and result.status is not MatchStatus.MATCH:
                print(f"  unsure {kind}: {query!r} ({len(result.candidates)} candidates)")
        elif verbose:
            got = result.best.name if result.best else None
            print(f"  {kind}: {query!r} -> {got!r} ({result.status})")
    for kind in (*KINDS, "all"):
        n = sum(asked.values()) if kind == "all" else asked[kind]
        r = sum(right.values()) if kind == "all" else right[kind]
        s = sum(sure.values()) if kind == "all" else sure[kind]
        z = sum(none.values()) if kind == "all" else none[kind]
        print(
            f"{kind:>22}: {n:5} asked, top-1 {r / max(n, 1):.1%}, "
            f"confident {s / max(n, 1):.1%}, none {z}"
        )
    return 0


def _queries(session: Session) -> list[tuple[str, str, set[int]]]:
    listed = legally_listed_ids(session)
    holders: dict[str, set[int]] = defaultdict(set)
    entities = {e.id: e for e in session.scalars(select(Entity).where(Entity.id.in_(listed)))}
    aliases: dict[int, list[Alias]] = defaultdict(list)
    for alias in session.scalars(select(Alias)):
        holders[alias.name.casefold()].add(alias.entity_id)
        if alias.entity_id in listed:
            aliases[alias.entity_id].append(alias)
    for entity in session.scalars(select(Entity)):
        holders[entity.name.casefold()].add(entity.id)
        # Two organisations whose names differ only by a legal form ("China Telecom Group
        # Co., Ltd." and "China Telecom Corporation Limited") both answer the short name.
        holders[_short(entity.name).casefold()].add(entity.id)
        # Companies of one group in several cities ("Beijing/Shanghai Naura
        # Microelectronics Equipment") all answer the name without its city.
        placeless = _placeless(entity.name)
        if placeless:
            holders[placeless.casefold()].add(entity.id)
    out: list[tuple[str, str, set[int]]] = []
    for entity_id, entity in sorted(entities.items()):

        def add(kind: str, query: str | None, own: int = entity_id) -> None:
            if query:
                out.append((kind, query, holders.get(query.casefold(), set()) | {own}))

        add("listed name", entity.name)
        short = _short(entity.name)
        if short and short != entity.name:
            add("without legal form", short)
        if not has_han(entity.name):
            for kind, query in _mistyped(entity.name):
                add(kind, query)
        chinese = {entity.native_name} | {a.name for a in aliases[entity_id] if has_han(a.name)}
        for name in sorted(n for n in chinese if n):
            add("Chinese name", name)
            traditional = _TO_TRADITIONAL.convert(name)
            if traditional != name:
                add("traditional Chinese", traditional)
            add("pinyin", _pinyin(name))
            bare = without_han_company_suffix(name)
            if bare is not None:
                add("Chinese, no suffix", bare)
                add("pinyin, no suffix", _pinyin(bare))
        for alias in aliases[entity_id]:
            if not alias.weak and not has_han(alias.name):
                add("alias", alias.name)
    return out


def _mistyped(name: str) -> list[tuple[str, str | None]]:
    words = re.findall(rf"[A-Za-z]{{{TYPO_WORD},}}", name)
    out: list[tuple[str, str | None]] = []
    if words:
        word = max(words, key=len)
        i = len(word) // 2
        out.append(("letter left out", name.replace(word, word[:i] + word[i + 1 :], 1)))
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if swapped != word:
            out.append(("letters swapped", name.replace(word, swapped, 1)))
    bare = _placeless(name)
    if bare:
        out.append(("without its place", bare))
    for long, abbreviation in ABBREVIATED:
        if re.search(rf"\b{long}\b", name):
            out.append(("abbreviated", re.sub(rf"\b{long}\b", abbreviation, name, count=1)))
            break
    plain = " ".join(re.sub(r"[^\w\s]", " ", name).split()).lower()
    out.append(("lower, no punctuation", plain))
    if _CO_LTD.search(name):
        out.append(("Company Limited", _CO_LTD.sub("Company Limited", name)))
    return out


def _placeless(name: str) -> str | None:
    """ "Hangzhou Hikvision Digital Technology Co., Ltd." as "Hikvision Digital
    Technology": the city and the form left out, as statutes and people write a company's
    name. Not for a university or institute, whose place is its name ("Harbin Institute
    of Technology"), nor where fewer than two words are left."""
    first, _, rest = name.partition(" ")
    if first.lower().replace("'", "") not in PLACES or not rest:
        return None
    if rest.split()[0].lower() in INSTITUTIONS or rest.lower().startswith("of "):
        return None
    bare = _short(rest)
    return bare if len(bare.split()) >= 2 else None


def _pinyin(name: str) -> str:
    """A Chinese name typed in pinyin: a word a character, digits and Latin as written.
    Read from its simplified form: pypinyin knows the readings of simplified phrases, and
    reads a traditional 長 of 長江 as "zhang", which no one types for 长江."""
    simplified = _TO_SIMPLIFIED.convert(name)
    return " ".join(word.capitalize() for word in lazy_pinyin(simplified) if word.strip())


def _short(name: str) -> str:
    """The name without its legal form, as a person would type it."""
    short = without_legal_form(name)
    if short:
        return short
    norm = normalize_name(name)
    stripped = strip_legal_forms(norm)
    return stripped if stripped and stripped != norm else name


if __name__ == "__main__":
    sys.exit(main())
