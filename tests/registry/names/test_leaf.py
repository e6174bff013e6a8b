"""The name rules are a leaf: importing them loads no database, index, numpy or
rapidfuzz, and every copy of a rule is gone from the rest of the registry."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parents[3] / "registry"
MODULES = (
    "abbreviations",
    "aliases",
    "generic",
    "legal_forms",
    "normalize",
    "places",
    "prefixes",
    "script",
)
HEAVY = ("numpy", "rapidfuzz", "sqlalchemy", "registry.models", "registry.lookup.index")


def test_importing_the_name_rules_loads_nothing_heavy() -> None:
    imports = "; ".join(f"import registry.names.{m}" for m in MODULES)
    check = f"import sys; {imports}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# Rules that must have one home: a pattern that writes the rule, and the one module
# allowed to hold it.
ONE_HOME = [
    (re.compile(r"\\u4e00-\\u9fff|\u4e00-\u9fff"), "names/script.py"),
    (re.compile(r'"shijiazhuang"|\bshijiazhuang\b|"Shijiazhuang"'), "names/places.py"),
    (re.compile(r'[=(,]\s*"中国人民解放军"'), "names/prefixes.py"),
    (re.compile(r'"kgaa"'), "names/legal_forms.py"),
    (re.compile(r'"gmbh":'), "names/legal_forms.py"),
    (re.compile(r"^def name_key\(", re.M), "resolution/keys.py"),
    (re.compile(r"^COUNTRY_WORDS\b", re.M), None),
]


@pytest.mark.parametrize(("pattern", "home"), ONE_HOME, ids=[p.pattern for p, _ in ONE_HOME])
def test_each_rule_has_one_home(pattern: re.Pattern[str], home: str | None) -> None:
    holders = sorted(
        str(path.relative_to(REGISTRY))
        for path in REGISTRY.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert holders == ([home] if home else []), holders


def test_no_module_stands_in_for_another() -> None:
    """Moved modules leave no alias behind (``registry/resolve.py`` once stood for
    ``registry.resolution.joins``): each rule is imported from its one home."""
    aliases = sorted(
        str(path.relative_to(REGISTRY))
        for path in REGISTRY.rglob("*.py")
        if "sys.modules[__name__]" in path.read_text(encoding="utf-8")
    )
    assert aliases == []
