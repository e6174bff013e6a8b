"""The terminal's card: plain in a pipe; at a terminal wrapped between words at its width,
the verdict in colour (unless NO_COLOR); sources shortened, whole with --full."""

from __future__ import annotations

import io
import re

import pytest

from bot.render.text import Terminal, render, short_url
from handlers.context import Services
from handlers.dispatch import ask

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_plain_text_and_a_terminal_colour_unless_no_color() -> None:
    assert Terminal.of(io.StringIO(), {}) == Terminal()
    assert Terminal.of(_Tty(), {}).emphasis
    assert Terminal.of(_Tty(), {}).width is not None
    assert not Terminal.of(_Tty(), {"NO_COLOR": "1"}).emphasis
    assert Terminal.of(_Tty(), {"NO_COLOR": ""}).emphasis  # set but empty: colour stays
    assert not Terminal.of(_Tty(), {"TERM": "dumb"}).emphasis


@pytest.mark.parametrize("name", ["Hikvision", "Baidu", "AVIC", "Tsinghua University"])
@pytest.mark.parametrize("width", [50, 80])
def test_wrapping_breaks_between_words_within_the_width(
    services: Services, name: str, width: int
) -> None:
    from rich.cells import cell_len

    reply = ask(services, name)
    plain = render(reply)
    wrapped = render(reply, terminal=Terminal(width=width))
    assert wrapped.split() == plain.split()  # the same words, none cut
    for line in wrapped.splitlines():
        too_long = cell_len(line) > width
        # Only a single unbreakable word (a URL) may overrun.
        assert not too_long or len(line.split()) <= 2, line


def test_the_verdict_is_emphasised_and_colour_never_changes_the_text(
    services: Services,
) -> None:
    reply = ask(services, "Hikvision")
    coloured = render(reply, terminal=Terminal(width=80, emphasis=True))
    verdict = next(line for line in coloured.splitlines() if "Listed:" in line)
    assert verdict.startswith("\x1b[1;31mListed:") and verdict.endswith("\x1b[0m")
    assert ANSI.sub("", coloured) == render(reply, terminal=Terminal(width=80))
    assert "\x1b" not in render(reply, terminal=Terminal(width=80, emphasis=False))


def test_sources_are_short_on_the_card_and_whole_with_full(services: Services) -> None:
    reply = ask(services, "Hikvision")
    short, full = render(reply), render(reply, full=True)
    whole = re.findall(r"https?://\S+", full)
    assert whole and "https://" not in short
    shown = [w for w in short.split() if "/" in w and "." in w.split("/")[0]]
    assert shown
    for link in shown:
        assert any(
            re.sub(r"^https?://(www\.)?", "", url).startswith(link.rstrip("…")) for url in whole
        ), link


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://thediplomat.com/2021/07/", "thediplomat.com/2021/07/"),
        ("https://www.ofac.treasury.gov/sdn", "ofac.treasury.gov/sdn"),
        (
            "https://www.federalregister.gov/documents/2020/12/22/2020-28031/addition-of-entities",
            "federalregister.gov/documents/2020/12/22/…",
        ),
    ],
)
def test_short_url(url: str, short: str) -> None:
    assert short_url(url) == short
