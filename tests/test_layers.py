"""The domain packages import one way: api -> analytics, render -> recommend -> workflow -> ingest -> graph.

Each package may import those below it (skipping layers is fine), never one above it or beside it;
``graph`` keeps the model and the stores and imports no other package of the project.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RANK = {"graph": 0, "ingest": 1, "workflow": 2, "recommend": 3, "analytics": 4, "render": 4, "api": 5}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    found |= {n.module.split(".")[0] for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    return found & set(RANK)


@pytest.mark.parametrize("package", sorted(RANK))
def test_a_package_imports_only_packages_below_it(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = sorted(p for p in _imports(path) if p != package and RANK[p] >= RANK[package])
        if bad:
            wrong[str(path.relative_to(ROOT))] = bad
    assert wrong == {}
