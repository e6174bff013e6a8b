"""Every importer refuses an empty file, a blank one and (for tables) a header with no
rows, naming the file (and the line), and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.importers import IMPORTERS
from registry.service import Registry
from tests.conftest import DATA, FIXTURES
from tests.registry.importers.helpers import assert_refused_unchanged

# The first line of each tabular source's real file: a file with only its header.
HEADERS = {
    "us-1260h": DATA / "lists" / "us_dod_1260h.csv",
    "csl": FIXTURES / "csl" / "consolidated.csv",
}
SUFFIX = {
    "curated": ".yaml",
    "unitracker": ".json",
    "ftm": ".ftm.json",
    "us-1260h": ".csv",
    "csl": ".csv",
    "ofac-cons": ".csv",
}


@pytest.mark.parametrize("source", sorted(IMPORTERS))
@pytest.mark.parametrize("content", ["", "\n\n  \n", "\ufeff"], ids=["empty", "blank", "bom"])
def test_an_empty_file_is_refused_with_its_name(
    empty_registry: Registry, tmp_path: Path, source: str, content: str
) -> None:
    path = tmp_path / f"empty{SUFFIX.get(source, '.txt')}"
    path.write_text(content, encoding="utf-8")
    error = assert_refused_unchanged(empty_registry, source, path, None, None)
    assert "empty" in str(error) or "no " in str(error), str(error)


@pytest.mark.parametrize("source", sorted(HEADERS))
def test_a_header_only_file_is_refused_at_its_line(
    empty_registry: Registry, tmp_path: Path, source: str
) -> None:
    header = HEADERS[source].read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / f"header{SUFFIX[source]}"
    path.write_text(header + "\n", encoding="utf-8")
    error = assert_refused_unchanged(empty_registry, source, path, None, None)
    assert error.line is not None, str(error)
    assert "no rows" in str(error) or "empty" in str(error), str(error)
