"""The rules of the house: layers point one way, no import cycles, short modules.

Imports are read with `ast` from the source files, so a rule holds whatever is installed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 400
CONTRACT = "sandboxes.backend"  # the one sandboxes module the CLI may name: the job contract


def module_name(path: Path, root: Path = REPO) -> str:
    """ "humaneval_x.languages" for humaneval_x/languages/__init__.py, and so on."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path = REPO, module_level: bool = False) -> set[str]:
    """Every module (or module attribute) a file imports, relative imports resolved.

    With `module_level`, only what runs on import: function bodies are not looked into."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    nodes: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while nodes:
        node = nodes.pop()
        if module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
        nodes.extend(ast.iter_child_nodes(node))
    return found


def import_graph(files: Iterable[Path], root: Path = REPO) -> dict[str, set[str]]:
    """Module -> the modules among `files` it imports on import (and their packages, unless
    the importer is inside the package: a package's modules import their siblings)."""
    files = list(files)
    modules = {module_name(path, root) for path in files}
    graph = {}
    for path in files:
        name = module_name(path, root)
        targets = set()
        for imported in imported_names(path, root, module_level=True):
            parts = imported.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                inside = name.startswith(target + ".")
                if target in modules and target != name and not inside:
                    targets.add(target)
        graph[name] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of `graph` as [a, b, …, a], or [] when it is acyclic."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once explored

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target, [*path, target])):
                return cycle
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return []


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO / folder).rglob("*.py"))


def test_sandboxes_import_nothing_from_the_harness() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name for name in imported_names(path) if name.split(".")[0] == "humaneval_x"
        )
        for path in python_files("sandboxes")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_harness_modules_import_each_other_without_cycles() -> None:
    files = sorted([*REPO.glob("humaneval_x/*.py"), *REPO.glob("humaneval_x/languages/*.py")])
    graph = import_graph(files)
    assert "humaneval_x.languages" in graph["humaneval_x.data"]  # the graph sees imports
    assert find_cycle(graph) == []


def test_the_cycle_check_finds_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("import pkg.a\n\n\ndef later():\n    import pkg.b\n")
    graph = import_graph(sorted(package.glob("*.py")), tmp_path)
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    (package / "c.py").write_text("def later():\n    import pkg.a\n")
    assert find_cycle(import_graph(sorted(package.glob("*.py")), tmp_path)) == []


def test_no_module_is_over_the_line_limit() -> None:
    lengths = {
        str(path.relative_to(REPO)): len(path.read_text(encoding="utf-8").splitlines())
        for path in python_files("humaneval_x", "runners", "sandboxes")
    }
    assert len(lengths) > 30
    assert {path: n for path, n in lengths.items() if n > MAX_LINES} == {}


def test_the_cli_names_no_runner_or_backend_module() -> None:
    cli = REPO / "humaneval_x" / "cli.py"
    imported = imported_names(cli)
    assert "humaneval_x.plugins" in imported  # the lookup it uses instead
    named = imported | {
        node.value
        for node in ast.walk(ast.parse(cli.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    plugins = [
        name
        for name in named
        if name.split(".")[0] in ("runners", "sandboxes") and not name.startswith(CONTRACT)
    ]
    assert plugins == []
