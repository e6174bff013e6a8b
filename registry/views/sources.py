"""Numbered sources: every claim on a card cites a number that resolves to one source."""

from __future__ import annotations

from dataclasses import dataclass

from registry.models import Source


@dataclass(frozen=True, slots=True)
class SourceRef:
    number: int
    title: str
    publisher: str
    url: str
    date: str | None


class Numbering:
    """Numbers each source the first time a card cites it."""

    def __init__(self) -> None:
        self.refs: dict[int, SourceRef] = {}

    def number(self, source: Source) -> int:
        ref = self.refs.get(source.id)
        if ref is None:
            ref = SourceRef(
                number=len(self.refs) + 1,
                title=source.title,
                publisher=source.publisher,
                url=source.url,
                date=source.published,
            )
            self.refs[source.id] = ref
        return ref.number
