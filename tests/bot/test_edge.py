"""The checks ``serve`` makes on a Slack body before Bolt parses it (``bot.edge``)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from bot.edge import MAX_NESTING, Refused, shallow

FORM = "application/x-www-form-urlencoded"


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "body",
    [
        "payload=" + quote(_deep(MAX_NESTING + 1)),
        "payload=" + quote(_deep(MAX_NESTING + 1)).lower(),  # %5b as well as %5B
        "payload=" + _deep(MAX_NESTING + 1),  # brackets as written
        "a=1&payload=" + quote('{"x":' * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1)),
    ],
)
def test_a_form_nested_too_deep_is_refused_however_its_brackets_are_written(body: str) -> None:
    with pytest.raises(Refused):
        shallow(body, FORM)


def test_forms_within_the_limit_pass() -> None:
    shallow("command=%2Fmcf&text=Baidu&user_id=U1", FORM)
    shallow("payload=" + quote(_deep(MAX_NESTING)), FORM)
    shallow("payload=" + quote('{"type":"block_actions","actions":[{"value":"7"}]}'), FORM)
