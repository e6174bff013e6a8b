"""The design card's layering, enforced: imports flow bot -> handlers -> registry and no
module imports itself back through others. (That a lookup loads no importer is
tests/bot/test_startup.py's.)"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

LAYERS = ("registry", "handlers", "bot")  # each may import only those before it


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(tree: ast.AST, *, top_level_only: bool) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a project module; ``from pkg import sub`` counts
    as importing ``pkg.sub`` when that is a module, as Python loads it."""
    nodes = tree.body if top_level_only and isinstance(tree, ast.Module) else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            modules = [s for s in subs if s in MODULES]
            yield from ((node.lineno, m) for m in modules or [node.module])


def _layer(module: str) -> int | None:
    top = module.split(".")[0]
    return LAYERS.index(top) if top in LAYERS else None


def test_imports_flow_from_bot_to_handlers_to_registry() -> None:
    wrong = []
    for name, path in MODULES.items():
        own = _layer(name)
        for line, target in _imports(ast.parse(path.read_text()), top_level_only=False):
            other = _layer(target)
            if own is not None and other is not None and other > own:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_back() -> None:
    """No cycle among module-level imports (imports inside functions are the lazy ones,
    made at call time, and may point anywhere their layer allows)."""
    graph = {
        name: {
            t
            for _, t in _imports(ast.parse(path.read_text()), top_level_only=True)
            if t in MODULES and t != name
        }
        for name, path in MODULES.items()
    }
    cycles = _cycles(graph)
    assert not cycles, cycles


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# What only the registry may touch: its ORM models and queries. Handlers and front ends
# get plain views and records from it (``registry.views``, ``registry.alert_records``).
ORM_CALLS = ("select", "query")


def _orm_uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = {a.name for a in node.names}
            if node.module == "registry.models" or (
                node.module == "registry" and "models" in names
            ):
                yield node.lineno, "imports registry.models"
        elif isinstance(node, ast.Import):
            if any(a.name == "registry.models" for a in node.names):
                yield node.lineno, "imports registry.models"
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ORM_CALLS:
                yield node.lineno, f"calls {name}("


def test_no_orm_model_or_query_outside_the_registry() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for name, path in MODULES.items()
        if _layer(name) in (LAYERS.index("handlers"), LAYERS.index("bot"))
        for line, what in _orm_uses(ast.parse(path.read_text()))
    ]
    assert not found, "\n".join(found)


def test_the_orm_scan_finds_a_model_import_and_a_query() -> None:
    planted = (
        "from registry.models import Subscription\n"
        "from registry import models\n"
        "rows = session.scalars(select(Subscription))\n"
        "sub = session.query(Subscription).first()\n"
    )
    assert [line for line, _ in _orm_uses(ast.parse(planted))] == [1, 2, 3, 4]


def test_renderers_map_the_verdict_the_handler_decided() -> None:
    """One verdict level type (``handlers.replies.Level``), decided in ``handlers.verdict``
    and carried by the reply: no front end imports the module that decides it."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in MODULES.items()
        if _layer(name) == LAYERS.index("bot")
        for line, target in _imports(ast.parse(path.read_text()), top_level_only=False)
        if target == "handlers.verdict"
    ]
    assert not found, found
    import handlers.replies

    assert not hasattr(handlers.replies, "Verdict"), "a second verdict type is back"


def _opens_registry(tree: ast.AST) -> Iterator[int]:
    """Lines that open a registry: ``Registry.connect(...)``."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "connect"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "Registry"
        ):
            yield node.lineno


def test_only_the_wiring_opens_the_registry() -> None:
    """``bot/wiring.py`` opens the registry for every command, the server and the
    workers; anything else in ``bot`` or ``handlers`` is handed one."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in MODULES.items()
        if _layer(name) != LAYERS.index("registry") and name != "bot.wiring"
        for line in _opens_registry(ast.parse(path.read_text()))
    ]
    assert not found, "\n".join(found)
    assert list(_opens_registry(ast.parse("r = Registry.connect(url)\n"))) == [1]


def _builds_services(tree: ast.AST) -> Iterator[int]:
    """Lines that build the services: ``Services(...)``."""
    for node in ast.walk(tree):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if is_call and node.func.id == "Services":  # type: ignore[attr-defined]
            yield node.lineno


def test_only_the_wiring_builds_the_services() -> None:
    """Every command, the server and the workers get their services from
    ``bot/wiring.py``, so a setting the services need is read in one place."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in MODULES.items()
        if name.startswith("bot.") and name != "bot.wiring"
        for line in _builds_services(ast.parse(path.read_text()))
    ]
    assert not found, "\n".join(found)
    assert list(_builds_services(ast.parse("s = Services(registry)\n"))) == [1]


def test_a_text_helper_of_the_lookup_package_loads_no_engine() -> None:
    """``registry.lookup`` loads ``NameIndex`` (numpy, the models) only when asked for it."""
    import subprocess
    import sys

    probe = (
        "import sys, registry.lookup.mention_words, registry.lookup.namesakes\n"
        "print(sorted({'numpy', 'registry.models', 'registry.lookup.index'} & set(sys.modules)))\n"
        "from registry.lookup import NameIndex\n"
        "print(NameIndex.__module__)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.split("\n")[:2] == ["[]", "registry.lookup.index"]
