"""No module of bot/ or storage/ imports, in a cycle, a module that imports it: not even
for type hints (import-linter's acyclic contract does not see imports under
TYPE_CHECKING, which still tie the two modules together)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules() -> dict[str, Path]:
    found = {}
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("storage/**/*.py")]:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules a module imports anywhere (TYPE_CHECKING blocks included)."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
    return named & known.keys()


def test_no_import_cycles_even_for_type_hints() -> None:
    known = modules()
    assert "bot.local_api.server" in known and "storage.db" in known
    graph = {name: imports(path, known) - {name} for name, path in known.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None
