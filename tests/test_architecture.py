"""The import rules of docs/ARCHITECTURE.md: layers, the rooms of ``api/``, and no import cycle at all.

The same checks from a shell::

    .venv/bin/lint-imports --no-cache                      # the contracts in pyproject.toml
    .venv/bin/python -m pytest tests/test_architecture.py  # the contracts, and no cycle between any two modules

The cycle check builds the import graph of every project package with grimp (import-linter's
own graph library; imports inside functions and ``TYPE_CHECKING`` blocks count too) and asks
networkx for its strongly connected components: any component of two or more modules is a cycle.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def project_packages() -> list[str]:
    """The top-level packages the project ships (``[tool.setuptools] packages``)."""
    return sorted({name.split(".")[0] for name in PYPROJECT["tool"]["setuptools"]["packages"]})


def import_cycles(packages: Iterable[str]) -> list[list[str]]:
    """Every import cycle among the modules of ``packages``: one sorted list of modules per strongly
    connected component of the import graph that has more than one module, plus any module that
    imports itself."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    imports = nx.DiGraph()
    imports.add_nodes_from(graph.modules)
    for module in graph.modules:
        imports.add_edges_from((module, target) for target in graph.find_modules_directly_imported_by(module))
    cycles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    cycles += [[m] for m in nx.nodes_with_selfloops(imports)]
    return sorted(cycles)


def _cycle_text(packages: Iterable[str], modules: list[str]) -> str:
    """One concrete loop through ``modules`` (``a -> b -> a``), for the failure message."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    sub = nx.DiGraph((m, t) for m in modules for t in graph.find_modules_directly_imported_by(m) if t in modules)
    return " -> ".join([*(a for a, _ in nx.find_cycle(sub)), nx.find_cycle(sub)[0][0]])


def test_import_linter_contracts_are_kept():
    """``lint-imports`` in a child process (it configures logging, which must not leak into other tests)."""
    check = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    done = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "an import rule of pyproject.toml [tool.importlinter] is broken:\n" + done.stdout


def test_the_contracts_cover_every_project_package():
    """A new top-level package must be named in ``root_packages``, or the contracts would not see it."""
    assert sorted(PYPROJECT["tool"]["importlinter"]["root_packages"]) == project_packages()


def test_no_import_cycle_between_any_two_modules():
    packages = project_packages()
    cycles = import_cycles(packages)
    assert cycles == [], "import cycles: " + "; ".join(_cycle_text(packages, c) for c in cycles)


def test_a_cycle_in_a_synthetic_package_is_found(tmp_path, monkeypatch):
    """The check is not vacuous: two modules importing each other (one inside a function) are reported."""
    pkg = tmp_path / "cyclepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from cyclepkg import b\n", encoding="utf-8")
    (pkg / "b.py").write_text("def late():\n    from cyclepkg import a\n    return a\n", encoding="utf-8")
    (pkg / "c.py").write_text("import cyclepkg.a\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(["cyclepkg"]) == [["cyclepkg.a", "cyclepkg.b"]]
    assert _cycle_text(["cyclepkg"], ["cyclepkg.a", "cyclepkg.b"]) in ("cyclepkg.a -> cyclepkg.b -> cyclepkg.a",
                                                                         "cyclepkg.b -> cyclepkg.a -> cyclepkg.b")
    (pkg / "b.py").write_text("X = 1\n", encoding="utf-8")
    assert import_cycles(["cyclepkg"]) == []


@pytest.mark.parametrize("room, other", [("api.json", "api.pages"), ("api.pages", "api.json")])
def test_json_and_pages_rooms_do_not_import_each_other(room, other):
    graph = grimp.build_graph(*project_packages(), cache_dir=None)
    assert not graph.chain_exists(importer=room, imported=other, as_packages=True)
