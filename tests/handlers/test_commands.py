"""The /mcf grammar and its edge cases: never a crash, always a clear answer."""

from __future__ import annotations

import pytest

from handlers import commands
from handlers.errors import BadInput


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", None])
def test_help(text: str | None) -> None:
    assert isinstance(commands.parse(text), commands.Help)


def test_lookup_keeps_the_name() -> None:
    assert commands.parse("  Baidu,   Inc. ") == commands.Lookup("Baidu, Inc.")
    assert commands.parse("ask 北京航空航天大学") == commands.Lookup("北京航空航天大学")


def test_control_characters_are_cleaned() -> None:
    assert commands.parse("Bai\x00du\x1b[31m") == commands.Lookup("Bai du [31m")


def test_punctuation_only_gets_a_usage_hint() -> None:
    parsed = commands.parse("?!*&")
    assert isinstance(parsed, commands.Help) and parsed.hint


def test_ten_kilobytes_is_refused_with_the_reason() -> None:
    with pytest.raises(BadInput) as err:
        commands.parse("a" * 10_240)
    assert "10,240 characters" in err.value.message
