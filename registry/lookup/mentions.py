"""Find every registry organisation named in a piece of running text (meeting notes, a
forwarded message), without flagging ordinary words.

The scanner is built from a ``NameIndex``'s records (read through its public attributes
only) and looks for names exactly as written, never fuzzily: a typo'd name in a message is
not a mention, and "did you mean" belongs to ``/mcf check``. The rules, each pinned by the
table in ``tests/registry/lookup/test_mentions.py``:

Latin script
  * A name, alias or the name without its legal form ("Baidu" for "Baidu, Inc.") counts as
    a run of whole words, within one line or clause, written as a name: every word that is
    capitalised in the registry is capitalised in the text ("Tsinghua University", not
    "the network attack and defense center" of ordinary prose).
  * The longest name wins ("Nanjing University of Science and Technology" is not
    "Nanjing University"), and a name ending in a head word such as "University" that the
    text continues with "of <Capitalised word>" names something else ("Shanghai University
    of Finance and Economics" is not "Shanghai University").
  * Names made only of generic words ("First Affiliated Hospital", "Ministry of Education")
    are too common to mean one organisation and are never reported from running text.

Acronyms (weak aliases such as "PLA", "HIT", "NUDT")
  * Exactly as registered, case included, and as a word of their own: never "hit", never
    inside "PLAN", "HITS" or "explain".
  * Not in a line written in capitals (a shouted heading tells nothing by its case).
  * And only in a matching context: the organisation is also named in full in the text,
    or the acronym is long and not an English word ("NUDT", "CETC"), or the text is about
    China (Chinese script, "China"/"Chinese"/"PRC"/"Beijing"..., or another organisation
    found by its full name). "USC and UCLA" finds nothing; "HIT and Tsinghua University"
    finds both.

Chinese script
  * Names are found inside running Chinese text (no spaces needed), after traditional
    characters are folded to simplified, longest first; "中国人民解放军" prefixes and
    company suffixes ("有限公司") may be left out.
  * A name right after the end of another organisation's name ("...大学第一附属医院",
    "...学院福州分院") is that organisation's unit, not ours.
  * Two-character names are ordinary words unless they are the organisation's brand, i.e.
    their pinyin is one of its Latin names (百度 Baidu, 北斗 BeiDou, 北大 Beida; 微米
    "micrometre" is not), and then only between punctuation, spaces or particles.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from registry.lookup import mention_words as lex
from registry.lookup.build import NameRecord
from registry.lookup.index import NameIndex
from registry.lookup.types import NameField
from registry.names import normalize
from registry.names.abbreviations import SPELLINGS
from registry.names.legal_forms import TRAILING_FORMS, without_han_company_suffix
from registry.names.prefixes import PLA_PREFIXES
from registry.names.script import HAN_RUN

# -- results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mention:
    """One organisation named in the text; ``entity_ids`` has several entries when the
    words are a name of more than one organisation (then it is a "did you mean")."""

    entity_ids: tuple[int, ...]
    start: int
    end: int
    text: str  # as written in the message
    matched: str  # the registry name or alias it is
    how: str  # which of its names (a ``NameField``): "name", "alias", "acronym", ...


# -- normalisation ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _norm_word(word: str) -> str:
    if word == "&":
        return "and"
    word = word.replace("’", "'")
    if word.lower().endswith("'s"):
        word = word[:-2]
    folded = normalize.ascii_text(word).lower().replace("'", "")
    return SPELLINGS.get(folded, folded)


@dataclass(frozen=True, slots=True)
class _Word:
    norm: str
    raw: str
    start: int
    end: int


def _words(text: str) -> tuple[list[_Word], list[int]]:
    """Latin words of ``text`` and, for each, how many words from it stay in one clause."""
    words = [
        _Word(_norm_word(m.group()), m.group(), m.start(), m.end()) for m in lex.WORD.finditer(text)
    ]
    reach = [1] * len(words)
    for i in range(len(words) - 2, -1, -1):
        gap = text[words[i].end : words[i + 1].start]
        if lex.JOINER.fullmatch(gap) is not None:
            reach[i] = reach[i + 1] + 1
    return words, reach


def _is_content(norm: str) -> bool:
    return norm not in lex.STOPWORDS


def _capitalised(raw: str) -> bool:
    return raw[:1].isupper() or raw[:1].isdigit()


# -- forms ------------------------------------------------------------------------------


@dataclass
class _LatinForm:
    tokens: tuple[str, ...]
    raws: tuple[str, ...]  # the registry's spelling of each word (for its case)
    matched: str
    how: str
    entity_ids: set[int] = field(default_factory=set)


@dataclass
class _HanForm:
    text: str
    matched: str
    how: str
    short: bool  # two characters or a weak alias: needs clear edges on both sides
    entity_ids: set[int] = field(default_factory=set)


@dataclass
class _Acronym:
    text: str
    distinctive: bool
    entity_ids: set[int] = field(default_factory=set)


def _latin_variants(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    words, _ = _words(text)
    toks = [w.norm for w in words]
    raws = [w.raw for w in words]
    while toks and toks[0] in {"the", "a", "an"}:
        toks, raws = toks[1:], raws[1:]
    out = []
    if toks:
        out.append((tuple(toks), tuple(raws)))
    core, core_raws = list(toks), list(raws)
    while core and core[-1] in TRAILING_FORMS:
        core, core_raws = core[:-1], core_raws[:-1]
    if core and len(core) < len(toks):
        out.append((tuple(core), tuple(core_raws)))
    return out


def _generic(tokens: Iterable[str]) -> bool:
    """Only generic words, and few of them: "First Affiliated Hospital". Four or more
    capitalised generic words ("China Electronics Technology Group Corporation") are a
    proper name."""
    content = [t for t in tokens if t not in lex.STOPWORDS]
    return len(content) <= 3 and all(t in lex.SCAN_GENERIC or t.isdigit() for t in content)


def _han_variants(text: str) -> list[str]:
    text = lex.BRACKETED.sub("", text.strip())
    text = "".join(text.split())
    simple = lex.T2S.convert(text)
    if not simple or HAN_RUN.fullmatch(simple) is None:
        return []  # mixed script ("西安212所"): not looked for in running text
    out = [simple]
    for prefix in PLA_PREFIXES:
        if simple.startswith(prefix) and len(simple) - len(prefix) >= 4:
            out.append(simple[len(prefix) :])
    short = without_han_company_suffix(simple)
    if short is not None:
        out.append(short)
    return out


def _brand(han: str, latin_words: set[str]) -> bool:
    return normalize.pinyin(han) in latin_words


# -- the scanner ------------------------------------------------------------------------


class MentionScanner:
    """An immutable scanner over one snapshot of the registry's names."""

    def __init__(self) -> None:
        self.latin: dict[tuple[str, ...], _LatinForm] = {}
        self.longest: dict[str, int] = {}  # first word -> most words in a name it starts
        self.acronyms: dict[str, _Acronym] = {}
        self.acronym_words = 1
        # First two characters -> the lengths of names starting with them (longest
        # first), each with its names: a position costs one lookup per length, however
        # many names share the start ("北京...").
        self.han: dict[str, list[tuple[int, dict[str, _HanForm]]]] = {}
        self.entity_names: dict[int, str] = {}
        self.names = 0

    @classmethod
    def build(cls, index: NameIndex) -> MentionScanner:
        """From the index's public view: its live records and each entity's main name."""
        dead = index.dead
        records = [r for i, r in enumerate(index.records) if i not in dead]
        names = {r.entity_id: r.text for r in records if r.how == NameField.NAME}
        return cls.from_records(records, names)

    @classmethod
    def from_records(
        cls, records: Sequence[NameRecord], entity_names: dict[int, str]
    ) -> MentionScanner:
        self = cls()
        self.entity_names = entity_names
        self.names = len(records)
        generic_entities = {
            entity_id
            for entity_id, name in entity_names.items()
            if _generic(w.norm for w in _words(name)[0])
        }
        latin_words: dict[int, set[str]] = defaultdict(set)
        han_short: list[tuple[NameRecord, str]] = []
        han: dict[str, _HanForm] = {}
        for rec in records:
            if normalize.has_han(rec.text):
                if rec.entity_id in generic_entities:
                    continue
                for variant in _han_variants(rec.text):
                    short = len(variant) <= 2 or rec.weak
                    if len(variant) < 2:
                        continue
                    if short:
                        han_short.append((rec, variant))
                        continue
                    form = han.setdefault(variant, _HanForm(variant, rec.text, rec.how, False))
                    form.entity_ids.add(rec.entity_id)
                continue
            words, _ = _words(rec.text)
            latin_words[rec.entity_id].update(w.norm for w in words)
            latin_words[rec.entity_id].add("".join(w.norm for w in words))
            if rec.weak:
                key = rec.text.strip()
                if not key:
                    continue
                letters = sum(ch.isalpha() for ch in key)
                distinctive = (
                    letters >= lex.MIN_DISTINCT_ACRONYM and key.lower() not in lex.WORDLIKE_ACRONYMS
                )
                acronym = self.acronyms.setdefault(key, _Acronym(key, distinctive))
                acronym.entity_ids.add(rec.entity_id)
                self.acronym_words = max(self.acronym_words, len(words))
                continue
            for tokens, raws in _latin_variants(rec.text):
                if _generic(tokens):
                    continue
                lform = self.latin.setdefault(tokens, _LatinForm(tokens, raws, rec.text, rec.how))
                lform.entity_ids.add(rec.entity_id)
                if len(tokens) > self.longest.get(tokens[0], 0):
                    self.longest[tokens[0]] = len(tokens)
        for rec, variant in han_short:
            if len(variant) <= 2 and not _brand(variant, latin_words[rec.entity_id]):
                continue  # 微米 is "micrometre" before it is anyone's name
            form = han.setdefault(variant, _HanForm(variant, rec.text, rec.how, True))
            form.entity_ids.add(rec.entity_id)
        by_start: dict[str, dict[int, dict[str, _HanForm]]] = defaultdict(dict)
        for form in han.values():
            by_start[form.text[:2]].setdefault(len(form.text), {})[form.text] = form
        self.han = {k: sorted(v.items(), reverse=True) for k, v in by_start.items()}
        return self

    # -- scanning ---------------------------------------------------------------------

    def scan(self, text: str) -> list[Mention]:
        """Every organisation named in ``text``, in order of first appearance."""
        words, reach = _words(text)
        found: list[tuple[Mention, bool]] = []  # (mention, is an acronym)
        taken: list[tuple[int, int]] = []
        found += [(m, False) for m in self._scan_latin(words, reach, text)]
        taken += [(m.start, m.end) for m, _ in found]
        han = self._scan_han(text)
        found += [(m, False) for m in han]
        acronyms = self._scan_acronyms(words, text, taken)
        if acronyms:
            named = {e for m, _ in found for e in m.entity_ids}
            china = bool(han) or bool(found) or normalize.has_han(text)
            china = china or any(w.norm in lex.CHINA_CUES for w in words)
            for mention, distinctive in acronyms:
                if distinctive or china or named.intersection(mention.entity_ids):
                    found.append((mention, True))
        found.sort(key=lambda f: f[0].start)
        seen: set[tuple[int, ...]] = set()
        out = []
        for mention, _ in found:
            key = mention.entity_ids
            if key in seen:
                continue
            seen.add(key)
            out.append(mention)
        return out

    def _scan_latin(self, words: list[_Word], reach: list[int], text: str) -> list[Mention]:
        out = []
        i = 0
        while i < len(words):
            longest = min(self.longest.get(words[i].norm, 0), reach[i])
            hit = None
            for n in range(longest, 0, -1):
                form = self.latin.get(tuple(w.norm for w in words[i : i + n]))
                if form is not None and self._written_as_name(form, words[i : i + n]):
                    if not self._continues(form, words, reach, i + n):
                        hit = (form, n)
                    break
            if hit is None:
                i += 1
                continue
            form, n = hit
            start, end = words[i].start, _unpossessive(words[i + n - 1])
            out.append(
                Mention(
                    tuple(sorted(form.entity_ids)),
                    start,
                    end,
                    text[start:end],
                    form.matched,
                    form.how,
                )
            )
            i += n
        return out

    @staticmethod
    def _written_as_name(form: _LatinForm, span: Sequence[_Word]) -> bool:
        for word, raw in zip(span, form.raws, strict=True):
            if not _is_content(word.norm):
                continue
            if raw[:1].isupper() and not _capitalised(word.raw):
                return False
            if raw[:1].islower() and word.raw != raw and not _capitalised(word.raw):
                return False
        return True

    @staticmethod
    def _continues(form: _LatinForm, words: list[_Word], reach: list[int], after: int) -> bool:
        """Does the text go on naming a bigger body ("... University of Finance")?"""
        if form.tokens[-1] not in lex.HEAD_WORDS or after + 1 >= len(words):
            return False
        if reach[after - 1] < 3 or words[after].norm != "of":
            return False
        nxt = words[after + 1]
        return _capitalised(nxt.raw) and nxt.norm not in lex.QUALIFIERS

    def _scan_acronyms(
        self, words: list[_Word], text: str, taken: list[tuple[int, int]]
    ) -> list[tuple[Mention, bool]]:
        if not self.acronyms:
            return []
        shouting = _shouting_lines(text, words)
        out = []
        for i in range(len(words)):
            for n in range(min(self.acronym_words, len(words) - i), 0, -1):
                start, end = words[i].start, _unpossessive(words[i + n - 1])
                acronym = self.acronyms.get(text[start:end])
                if acronym is None:
                    continue
                if _inside(start, end, taken) or _line_of(text, start) in shouting:
                    break
                if not _standalone(text, start, end):
                    break
                out.append(
                    (
                        Mention(
                            tuple(sorted(acronym.entity_ids)),
                            start,
                            end,
                            text[start:end],
                            acronym.text,
                            "acronym",
                        ),
                        acronym.distinctive,
                    )
                )
                break
        return out

    def _scan_han(self, text: str) -> list[Mention]:
        if not self.han or not normalize.has_han(text):
            return []
        out = []
        for run in HAN_RUN.finditer(text):
            raw = run.group()
            simple = lex.T2S.convert(raw)
            if len(simple) != len(raw):  # a phrase mapping changed the length: go per char
                simple = "".join(lex.T2S.convert(ch) for ch in raw)
            base = run.start()
            i = 0
            while i < len(simple) - 1:
                hit = None
                for length, forms in self.han.get(simple[i : i + 2], ()):
                    form = forms.get(simple[i : i + length])
                    if form is not None and self._han_fits(text, base + i, base + i + length, form):
                        hit = form
                        break
                if hit is None:
                    i += 1
                    continue
                start, end = base + i, base + i + len(hit.text)
                out.append(
                    Mention(
                        tuple(sorted(hit.entity_ids)),
                        start,
                        end,
                        text[start:end],
                        hit.matched,
                        hit.how,
                    )
                )
                i += len(hit.text)
        return out

    @staticmethod
    def _han_fits(text: str, start: int, end: int, form: _HanForm) -> bool:
        before = text[start - 1] if start > 0 else " "
        if before in lex.ORG_END:
            return False  # "…大学第一附属医院": a unit of the organisation named before it
        if not form.short:
            return True
        after = text[end] if end < len(text) else " "
        left = not normalize.has_han(before) or before in lex.PARTICLES
        right = (
            not normalize.has_han(after)
            or after in lex.PARTICLES
            or text.startswith(("公司", "集团"), end)
        )
        return left and right


def _unpossessive(word: _Word) -> int:
    """Where ``word`` ends without a possessive "'s" ("PLA's" -> "PLA")."""
    if len(word.raw) > 2 and word.raw[-2] in "'’" and word.raw[-1] in "sS":
        return word.end - 2
    return word.end


def _standalone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum() or before in "_" or after in "_")


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos)


def _shouting_lines(text: str, words: list[_Word]) -> set[int]:
    """Lines written mostly in capitals: there an acronym's case says nothing."""
    per_line: dict[int, list[bool]] = defaultdict(list)
    line, last = 0, 0
    for word in words:
        line += text.count("\n", last, word.start)
        last = word.start
        letters = [ch for ch in word.raw if ch.isalpha()]
        if len(letters) >= 2:
            per_line[line].append(all(ch.isupper() for ch in letters))
    return {n for n, caps in per_line.items() if sum(caps) >= 4 and sum(caps) >= 0.6 * len(caps)}


class LiveMentions:
    """The scanner for the index's current snapshot, rebuilt when the index moves on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scanner: MentionScanner | None = None
        self._key: tuple[int, int, int, int] | None = None

    def current(self, index: NameIndex) -> MentionScanner:
        key = (id(index), index.last_change_id, len(index.records), len(index.dead))
        with self._lock:
            if self._scanner is None or key != self._key:
                self._scanner = MentionScanner.build(index)
                self._key = key
            return self._scanner
