"""Truthful answers, as properties of every card of the bundled registry.

Every organisation of the bundled registry is laid out short and full and rendered by the
terminal, Block Kit and Adaptive Card mappers (and JSON); the properties below hold for
all of them: no [n] without its source line and no source line nothing cites; no licence
review policy or requirement cut (every "denial" clause kept, the strongest restriction
named first); no date on a listing line that the imported files do not state; every list
with legal effect keeps its "Means" line (and its stated reason) on the short card, within
the line budget. The cards are built once per session (``bundled_cards``); the verdict
cases below use the same registry.
"""

from __future__ import annotations

import calendar
import gzip
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.render import adaptive, slack
from bot.render import text as text_render
from bot.render.json import reply_dict
from bot.render.layout import MAX_CARD_LINES, Layout, layout
from handlers import verdict
from handlers.context import Services
from handlers.dispatch import handle
from handlers.quick import card_line, line_for
from handlers.replies import EntityCard, Level, LookupReply, Reply, SourcesReply
from handlers.sources import sources
from registry.bundled import BUNDLE, data_dir
from registry.catalog import catalog
from registry.importers.csl_rows import licence_terms
from registry.lookup import MatchStatus
from registry.lookup.types import CHOSEN
from registry.service import Registry
from tests.bot.test_layout import _adaptive_text, _slack_text

RENDERERS = ("text", "block-kit", "adaptive-card")


@dataclass(frozen=True)
class Shown:
    """One card as each renderer shows it, short and full."""

    card: EntityCard
    layouts: dict[bool, Layout]  # full? -> layout
    texts: dict[tuple[str, bool], str]  # (renderer, full?) -> what a reader sees


def _reply(card: EntityCard, full: bool = False) -> Reply:
    return Reply(
        LookupReply(card.name, MatchStatus.MATCH, card, 100.0, card.name, CHOSEN, full=full)
    )


def _show(card: EntityCard) -> Shown:
    layouts, texts = {}, {}
    for full in (False, True):
        reply = _reply(card, full)
        layouts[full] = layout(reply, shareable=False)
        texts["text", full] = text_render.render(reply, full=full)
        texts["block-kit", full] = _slack_text(slack.as_dicts(slack.reply_blocks(reply, full=full)))
        texts["adaptive-card", full] = _adaptive_text(adaptive.reply_card(reply, full=full))
    return Shown(card, layouts, texts)


@pytest.fixture(scope="module")
def shown(bundled_cards: list[EntityCard]) -> list[Shown]:
    return [_show(card) for card in bundled_cards]


def _each(shown: list[Shown]) -> Iterator[tuple[Shown, str, bool, str]]:
    for s in shown:
        for (renderer, full), text in s.texts.items():
            yield s, renderer, full, text


# -- citations ------------------------------------------------------------------------

_SOURCES_HEADING = re.compile(r"^\s*\*?Sources\*?:?\s*$", re.MULTILINE)
_NUMBER = re.compile(r"\[(\d+)\]")


def citations(text: str) -> tuple[set[int], list[int]]:
    """(numbers cited above the sources, numbers the source lines define, in order)."""
    parts = _SOURCES_HEADING.split(text)
    assert len(parts) >= 2, "no Sources heading"
    above, below = "".join(parts[:-1]), parts[-1]
    cited = {int(n) for n in _NUMBER.findall(above)}
    defined = [int(n) for n in re.findall(r"\[(\d+)\] ", below)]
    return cited, defined


def test_every_citation_resolves_and_every_source_is_cited(shown: list[Shown]) -> None:
    bad = []
    for s, renderer, full, text in _each(shown):
        cited, defined = citations(text)
        if cited != set(defined) or defined != list(range(1, len(defined) + 1)):
            bad.append(f"{s.card.name} ({renderer}, full={full}): {sorted(cited)} vs {defined}")
    assert not bad, f"{len(bad)} renderings, e.g. {bad[:5]}"
    assert len(shown) > 2500  # the whole bundled registry, not a sample


def test_no_text_from_the_registry_carries_a_citation_number(
    bundled_cards: list[EntityCard],
) -> None:
    """Numbering is the layout's: a view's text never embeds [n] of its own."""
    for card in bundled_cards:
        for d in card.designations:
            for text in (d.status, d.reason or ""):
                assert not _NUMBER.search(text), (card.name, text)


# -- legal rules ----------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split())


_CLAUSES = re.compile(r";\s*|\.\s+(?=[A-Z])")


def test_no_licence_rule_loses_a_clause_in_any_renderer(shown: list[Shown]) -> None:
    checked = 0
    for s, renderer, full, text in _each(shown):
        flat = _flat(text)
        for d in s.card.listed_on:
            if d.list_id != "us-entity-list":
                continue
            for rule in (d.licence_policy, d.licence_requirement):
                if not rule:
                    continue
                checked += 1
                rule = _flat(rule)
                assert rule in flat, (s.card.name, renderer, full, rule)
                for clause in _CLAUSES.split(rule):
                    if "denial" in clause:
                        assert clause in flat
            strongest = verdict_restriction(d.licence_policy)
            if strongest:
                # The strongest restriction is named before the policy's own words.
                lead = f"review policy: {strongest}; as listed: {_flat(d.licence_policy or '')}"
                assert lead.casefold() in flat.casefold(), (s.card.name, renderer)
    assert checked > 1000


def verdict_restriction(policy: str | None) -> str | None:
    from registry.views import strongest_restriction

    return strongest_restriction(policy)


_FOOTNOTE = re.compile(r"(?:\bEAR\)|\bEAR|\([a-z]\))\d{1,2}\b")


def test_licence_terms_carry_no_footnote_markers(bundled_cards: list[EntityCard]) -> None:
    for card in bundled_cards:
        for d in card.designations:
            for rule in (d.licence_policy, d.licence_requirement):
                found = _FOOTNOTE.search((rule or "").replace("EAR99", ""))
                assert not found, (card.name, rule)
    assert licence_terms("see §§ 734.9(e)1 and 744.11 of the EAR2") == (
        "see §§ 734.9(e) and 744.11 of the EAR"
    )
    assert licence_terms("(See §§ 734.9(e) and 744.11 of the EAR)4.") == (
        "(See §§ 734.9(e) and 744.11 of the EAR)."
    )
    assert licence_terms("EAR99 items; § 744.21(b)(1)") == "EAR99 items; § 744.21(b)(1)"


# -- dates ----------------------------------------------------------------------------

_ISO = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")
_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DOTTED = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")  # day.month.year (EU)
_COMPACT = re.compile(r"\b(20\d\d|19\d\d)(\d\d)(\d\d)\b")
_MONTHS = {calendar.month_abbr[i].casefold(): i for i in range(1, 13)}
_MONTH_DAY_YEAR = re.compile(r"\b([A-Z][a-z]{2})[a-z]*\.? (\d{1,2}), (\d{4})\b")  # March 12, 2021
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]{2})[a-z]* (\d{4})\b")  # 03 Jun 2021
# Statutes: the enactment date printed on the public law each row links to, kept in the
# importer's table of sections (the CSV gives none).
STATED_IN_IMPORTER = {"us-ndaa": "registry/importers/us_ndaa.py"}
ROOT = Path(__file__).resolve().parents[2]


def _month_dates(text: str) -> set[str]:
    out = set()
    for month, day, year in _MONTH_DAY_YEAR.findall(text):
        if month.casefold() in _MONTHS:
            out.add(f"{year}-{_MONTHS[month.casefold()]:02d}-{int(day):02d}")
    for day, month, year in _DAY_MONTH_YEAR.findall(text):
        if month.casefold() in _MONTHS:
            out.add(f"{year}-{_MONTHS[month.casefold()]:02d}-{int(day):02d}")
    return out


@cache
def dates_in_files(importer: str) -> frozenset[str]:
    """Every date the bundled files an importer reads state, as YYYY-MM-DD."""
    found: set[str] = set()
    for source, files in BUNDLE:
        if source != importer:
            continue
        for name in files:
            path: Path = data_dir() / name
            raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
            text = raw.decode("utf-8", errors="replace")
            found |= {"-".join(m) for m in _ISO.findall(text)}
            found |= {f"{y}-{int(m):02d}-{int(d):02d}" for m, d, y in _US.findall(text)}
            found |= {"-".join(m) for m in _COMPACT.findall(text)}
            found |= {f"{y}-{int(m):02d}-{int(d):02d}" for d, m, y in _DOTTED.findall(text)}
            found |= _month_dates(text)
    if importer in STATED_IN_IMPORTER:
        code = (ROOT / STATED_IN_IMPORTER[importer]).read_text(encoding="utf-8")
        found |= {
            f"{y}-{int(m):02d}-{int(d):02d}"
            for y, m, d in re.findall(r"dt\.date\((\d{4}), (\d{1,2}), (\d{1,2})\)", code)
        }
    return frozenset(found)


def test_every_date_on_a_listing_line_is_in_the_imported_file(shown: list[Shown]) -> None:
    lines = 0
    bad = []
    for s in shown:
        lists = next(x for x in s.layouts[True].sections if x.heading == "Lists")
        rows = [line for line in lists.lines if line.mark is not None]  # one per listing
        for d, line in zip(s.card.designations, rows, strict=True):
            info = catalog().get(d.list_id)
            if info is None:
                continue
            lines += 1
            allowed = dates_in_files(info.importer) | dates_in_files("curated")
            for date in ("-".join(m) for m in _ISO.findall(line.text)):
                if date not in allowed:
                    bad.append(f"{s.card.name}: {d.list_id} {date} in {line.text!r}")
            if info.dated_by == "fiscal_year":
                assert d.years and d.years in line.text, line.text
    assert not bad, f"{len(bad)} dates not in the data, e.g. {bad[:5]}"
    assert lines > 1500  # every listing of the registry (1,937 when written)


# -- what listings mean ---------------------------------------------------------------


def test_short_cards_keep_what_each_listing_means_within_the_budget(shown: list[Shown]) -> None:
    for s in shown:
        short = s.layouts[False]
        lines = short.lines()
        assert len(lines) <= MAX_CARD_LINES, (s.card.name, len(lines))
        assert len(s.texts["text", False].splitlines()) <= MAX_CARD_LINES, s.card.name
        body = "\n".join(lines)
        for d in s.card.listed_on:
            if d.legal:
                means = {f"Means: {d.effect}", f"Means: {d.effect_short}"}
                assert any(m in body for m in means), (s.card.name, d.list_id)
            if d.reason:
                assert "Reason given: " + d.reason.split(". ")[0][:60] in body, s.card.name


# -- the verdict, one type everywhere -------------------------------------------------


def test_every_card_has_one_verdict_in_every_renderer_json_and_check(
    shown: list[Shown],
) -> None:
    levels: dict[Level, int] = {}
    for s in shown:
        finding = verdict.of_card(s.card)
        levels[finding.level] = levels.get(finding.level, 0) + 1
        for renderer in RENDERERS:
            for full in (False, True):
                assert _flat(finding.text) in _flat(s.texts[renderer, full]), (
                    s.card.name,
                    renderer,
                )
        data = reply_dict(_reply(s.card))
        assert data["verdict"]["level"] == finding.level.value
        line = card_line(s.card.name, s.card)
        assert line.verdict is finding.level and line.detail == finding.detail
        if finding.level is not Level.LISTED:
            assert "Listed" not in finding.text.split(":")[0]
        if finding.level in (Level.NOT_LISTED, Level.TRACKED):
            assert "not evidence" not in finding.text  # found: the lists were checked
    # Every level occurs in the bundled registry.
    assert set(levels) == {
        Level.LISTED,
        Level.FORMER,
        Level.TIED,
        Level.TRACKED,
        Level.NOT_LISTED,
    }, levels


@pytest.fixture(scope="module")
def services(bundled_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    # A copy: answers asked with an asker leave screening records, which the shared
    # bundled registry must not collect.
    copy = tmp_path_factory.mktemp("truthful") / "registry.sqlite3"
    shutil.copy(bundled_path, copy)
    registry = Registry.connect(f"sqlite:///{copy}")
    yield Services(registry)
    registry.engine.dispose()


NO_MATCH_WORDS = ("not evidence that it is unlisted", "full legal name", "Chinese name")


def _assert_no_match(reply: Reply) -> None:
    finding = verdict.of_reply(reply)
    assert finding.level is Level.NO_MATCH
    for words in NO_MATCH_WORDS:
        assert words in finding.text
    assert "none of the" not in finding.text
    assert "MEU List 2022-04-21" in finding.text and "NS-CMIC 2021-12-16" in finding.text
    assert "DHS UFLPA Entity List" in finding.text  # a well-known list not held
    for renderer in ("text", "block-kit", "adaptive-card"):
        shown = {
            "text": lambda: text_render.render(reply),
            "block-kit": lambda: _slack_text(slack.as_dicts(slack.reply_blocks(reply))),
            "adaptive-card": lambda: _adaptive_text(adaptive.reply_card(reply)),
        }[renderer]()
        assert _flat(finding.text) in _flat(shown)
    assert reply_dict(reply)["verdict"]["level"] == "no_match"


def test_an_unknown_name_is_no_match_never_on_none_of_the_lists(
    services: Services,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reply = handle(services, "Zzzq Unknown Org")
    _assert_no_match(reply)
    line = line_for("Zzzq Unknown Org", reply)
    assert line.verdict is Level.NO_MATCH and "not evidence" in line.detail
    monkeypatch.setenv("MCF_DATABASE_URL", str(services.registry.engine.url))
    assert main(["ask", "Zzzq Unknown Org"]) == 0
    out = capsys.readouterr().out
    assert "No match" in out and "not evidence" in out and "on none of" not in out


def test_a_listed_organisation_in_a_script_we_do_not_hold_is_no_match(
    services: Services, bundled_cards: list[EntityCard]
) -> None:
    """Listed names written in Cyrillic letters (a script the registry holds no name in):
    whenever nothing matches, the answer is ``no_match`` with its wording, never a verdict."""
    table = str.maketrans("aeiocpxyAEIOCPXYkKmMtTbBhH", "аеіосрхуАЕІОСРХУкКмМтТьВһН")
    listed = [c for c in bundled_cards if c.listed_on][::40]
    asked = 0
    for card in listed:
        reply = handle(services, card.name.translate(table))
        body = reply.body
        assert isinstance(body, LookupReply)
        if body.status is MatchStatus.NONE:
            _assert_no_match(reply)
            asked += 1
    assert asked > 5


def test_found_and_on_no_list_is_not_listed_naming_the_lists_and_editions(
    shown: list[Shown],
) -> None:
    unlisted = [s for s in shown if verdict.of_card(s.card).level is Level.NOT_LISTED]
    assert unlisted
    for s in unlisted:
        finding = verdict.of_card(s.card)
        assert "MEU List 2022-04-21" in finding.text and "NS-CMIC 2021-12-16" in finding.text
        assert "not held: DHS UFLPA Entity List" in finding.text
        assert finding.checked is not None and finding.checked.count == len(
            [i for i in catalog().values() if not i.rates]
        )
    # An organisation in the registry only because an article names it says so.
    article_only = [s for s in unlisted if not s.card.designations and s.card.summary_sources]
    assert article_only
    for s in article_only:
        assert "in the registry because “" in verdict.of_card(s.card).text, s.card.name


def test_removed_and_tied_is_formerly_listed_with_its_dates_and_the_tie(
    shown: list[Shown],
) -> None:
    cases = [
        s
        for s in shown
        if not any(d.legal for d in s.card.listed_on)
        and any(d.legal and not d.active for d in s.card.designations)
        and any(r.other_listed for r in s.card.relationships)
    ]
    assert len(cases) >= 3
    for s in cases:
        finding = verdict.of_card(s.card)
        assert finding.level is Level.FORMER and finding.tie is not None
        ended = [d for d in s.card.designations if d.legal and not d.active]
        for d in ended:
            assert d.label in finding.text
            if d.end and not d.years and not d.end_note:
                assert d.end in finding.text
        assert "now tied:" in finding.text and finding.tie.other_name in finding.text
        line = card_line(s.card.name, s.card)
        assert line.verdict is Level.FORMER and finding.tie.other_name in line.detail
        data = reply_dict(_reply(s.card))["verdict"]
        assert data["level"] == "formerly_listed" and data["tie"] and data["former"]


def test_only_in_a_research_tracker_is_tracked_with_rating_and_category(
    shown: list[Shown],
) -> None:
    tracked = [s for s in shown if verdict.of_card(s.card).level is Level.TRACKED]
    assert len(tracked) > 20
    rated = 0
    for s in tracked:
        finding = verdict.of_card(s.card)
        assert not finding.text.startswith("Listed")
        line = card_line(s.card.name, s.card)
        assert line.verdict is Level.TRACKED
        assert "listed on" not in line.reason(line.detail)
        for d in finding.tracked:
            if d.risk:
                rated += 1
                assert f"rates it {d.risk} risk" in line.detail
            if d.category:
                assert d.category in line.detail
    assert rated > 10


def test_sources_and_answers_count_the_same_lists(services: Services) -> None:
    reply = sources(services)
    assert isinstance(reply, SourcesReply) and reply.checked is not None
    finding = verdict.of_reply(handle(services, "Zzzq Unknown Org"))
    assert finding.checked is not None
    assert finding.checked.count == reply.checked.count
    assert reply.title.startswith(f"Names are checked against {reply.checked.count} lists")
    views = {v.id: v for v in reply.lists}
    assert "complete as of that edition (" in views["us-meu"].line()
    assert views["us-meu"].edition == "2022-04-21" and views["us-ns-cmic"].edition == "2021-12-16"


def test_ties_carry_the_dates_the_source_gives(shown: list[Shown]) -> None:
    for s in shown:
        for r in s.card.relationships:
            if r.summary and r.summary.startswith("One contract award notice"):
                assert r.start == r.end, (s.card.name, r)
        assert "onwards" not in s.texts["text", True]
        for r in s.card.relationships:
            if not re.search(r"[A-Za-z]", r.other_name):
                # Named only in Chinese: a Latin name a source gives, else ours, marked.
                named = r.other_english or f"pinyin, our transliteration: {r.other_pinyin}"
                assert r.other_pinyin or r.other_english, (s.card.name, r.other_name)
                assert named in s.texts["text", True], (s.card.name, r.other_name)


def test_json_gives_no_computed_day_for_a_fiscal_year_list(shown: list[Shown]) -> None:
    seen = 0
    for s in shown:
        if not any(d.years for d in s.card.designations):
            continue
        seen += 1
        data: dict[str, Any] = json.loads(json.dumps(reply_dict(_reply(s.card))))
        for d in data["match"]["designations"]:
            if d["fiscal_years"]:
                assert d["start"] is None and d["end"] is None
    assert seen > 100


def test_a_did_you_mean_says_when_nothing_bears_the_name_asked(services: Services) -> None:
    """Candidates found by a partial or near name are offered as guesses: the answer says
    nothing in the registry bears the name asked, and that this proves nothing."""
    for query in ("China Aerospace", "Northwestern University", "Southern University"):
        reply = handle(services, query)
        body = reply.body
        assert isinstance(body, LookupReply)
        if body.status is not MatchStatus.AMBIGUOUS:
            continue
        finding = verdict.of_reply(reply)
        assert finding.level is Level.AMBIGUOUS and finding.nearest
        exact = any(c.how.as_written for c in body.candidates)
        if exact:
            assert "Not sure which organisation" in finding.text
        else:
            # The question comes first, never a sentence that reads as a clearance.
            assert finding.text.startswith("Did you mean ")
            assert f"“{query}” is not exactly a name the registry holds" in finding.text
            assert "not evidence that it is unlisted" in finding.text


# ../shared beside the checkout (or beside the worktrees' parent), as the CSL tests find it.
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
    ROOT.parent / "shared",
)
SEED = SHARED / "sources" / "diplomat-2021-07-mcf-nexus.txt"
SEED_PUBLISHER = "The Diplomat"
# Words in a row shared with the seed article that make a summary follow its sentence
# (a title such as "Mapping China's Tech Giants" is quoted, not followed: shorter).
SHARED_RUN = 5


@pytest.mark.skipif(
    not SEED.is_file() and not os.environ.get("CI"), reason=f"the seed article is not at {SEED}"
)
def test_no_summary_follows_the_seed_articles_sentences(
    bundled_cards: list[EntityCard],
) -> None:
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.casefold())

    article = words(SEED.read_text(encoding="utf-8"))
    runs = {tuple(article[i : i + SHARED_RUN]) for i in range(len(article) - SHARED_RUN + 1)}
    followed = []
    for card in bundled_cards:
        # A title or an organisation's name is quoted, not followed.
        names = [card.name, *card.aliases, *(r.other_name for r in card.relationships)]
        titles = [words(t) for t in ("Mapping China's Tech Giants", *names)]
        # What the registry says on the article's authority (its summaries and ties).
        cites = {s.number for s in card.sources if s.publisher == SEED_PUBLISHER}
        texts = [card.summary] if cites & set(card.summary_sources) else []
        texts += [r.summary for r in card.relationships if cites & set(r.sources)]
        for text in texts:
            w = words(text or "")
            for i in range(len(w) - SHARED_RUN + 1):
                run = tuple(w[i : i + SHARED_RUN])
                if run in runs and not any(set(run) <= set(t) for t in titles):
                    followed.append(f"{card.name}: {' '.join(run)}")
    assert not followed, followed[:5]


def test_every_chinese_name_on_a_card_cites_where_it_is_written(
    bundled_cards: list[EntityCard],
) -> None:
    """A card shows an organisation's Chinese name beside its name with the source that
    writes it, over the whole bundled registry."""
    shown = [c for c in bundled_cards if c.native_name]
    unsourced = [c.name for c in shown if not c.native_name_sources]
    assert not unsourced, unsourced[:10]
    numbers = {s.number for c in shown for s in c.sources}
    assert all(n in numbers for c in shown for n in c.native_name_sources)
    assert len(shown) > 500


def test_a_listed_owner_on_a_fiscal_year_list_is_given_its_years_not_a_day(
    bundled_cards: list[EntityCard],
) -> None:
    """The path to a listed owner says "(FY2023–FY2025 lists)" for the 1286 list,
    never the first day of a fiscal year that no publisher stated; over every card."""
    from registry.catalog import describe

    listed = [x for c in bundled_cards if c.owner_path for x in c.owner_path.listed]
    fiscal = [x for x in listed if (info := describe(x.list_id)) and info.dated_by == "fiscal_year"]
    assert fiscal, "no card's nearest listed owner is on a fiscal-year list"
    assert all(x.start is None and x.years for x in fiscal)
    assert all(x.years is None for x in listed if x not in fiscal)
