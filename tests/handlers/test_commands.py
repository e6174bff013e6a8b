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


# -- /mcf check -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("check Baidu; Huawei", ("Baidu", "Huawei")),
        ("check Baidu, Huawei, 北京理工大学", ("Baidu", "Huawei", "北京理工大学")),
        # With ";" or new lines, commas stay inside names.
        (
            "check Baidu, Inc.; Huawei Technologies Co., Ltd.",
            ("Baidu, Inc.", "Huawei Technologies Co., Ltd."),
        ),
        (
            "CHECK Baidu\n- Huawei\n2. Tsinghua University\n\n",
            ("Baidu", "Huawei", "Tsinghua University"),
        ),
        # Commas only: a legal form goes back to the name before it.
        ("check Baidu, Inc., Huawei", ("Baidu, Inc.", "Huawei")),
    ],
)
def test_check_splits_a_list(text: str, names: tuple[str, ...]) -> None:
    assert commands.parse(text) == commands.Check(names)


def test_check_without_names_explains_itself() -> None:
    parsed = commands.parse("check  ;  ; ")
    assert isinstance(parsed, commands.Help) and parsed.hint and "check" in parsed.hint


def test_check_refuses_more_than_fifty_names() -> None:
    with pytest.raises(BadInput) as err:
        commands.parse("check " + "; ".join(f"Company {i}" for i in range(51)))
    assert "51 names" in err.value.message and "up to 50" in err.value.message
    assert commands.parse("check " + "; ".join(f"Company {i}" for i in range(50)))


def test_check_refuses_an_oversized_list() -> None:
    with pytest.raises(BadInput) as err:
        commands.parse("check " + "x" * 9000)
    assert "9,000 characters" in err.value.message
    assert "mcf-bot check" in (err.value.hint or "")


def test_a_name_in_a_list_is_never_a_command() -> None:
    assert commands.parse_name("subscribe") == commands.Lookup("subscribe")
    with pytest.raises(BadInput):
        commands.parse_name("x" * 301)
