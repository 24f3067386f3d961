"""The analyst notebooks: committed with outputs cleared, free of logic, and runnable end to end offline.

Each notebook runs once (a module fixture) in a fresh kernel of *this* interpreter (the
venv's ipykernel, whatever kernels the machine has registered), against an empty data
directory, so it loads the demo into a temporary store. ``KGMATCH_NOTEBOOK_SAMPLE=1``
skips building the expert text index (about 10 s on the demo).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import openpyxl
import pytest
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIELD_REGION = "01_graph_by_field_and_region.ipynb"
WALKTHROUGH = "02_one_demand_walkthrough.ipynb"
OUTCOMES = "03_matchmaking_outcomes.ipynb"
NAMES = (FIELD_REGION, WALKTHROUGH, OUTCOMES)
CELL_TIMEOUT = 600
URL = re.compile(r"https?://", re.I)
VIS_SCRIPT = '<script src="vis-network/vis-network.min.js"></script>'
# Python constructs that are logic, not glue: rule 29 says notebooks define none.
LOGIC = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor, ast.While,
         ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
IMPORTABLE = {"analytics", "api", "graph", "ingest", "recommend", "workflow", "render", "IPython", "os", "pathlib", "shutil", "tempfile",
              "warnings"}


class _ThisInterpreter(KernelSpecManager):
    """Every kernel name resolves to this interpreter's ipykernel (``sys.executable``), so a
    ``python3`` kernelspec registered for another Python on the machine is never used."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """The native ipykernel spec of the running interpreter."""
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())


def _read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def _outputs(nb: Any, mime: str) -> list[str]:
    """Every output of this MIME type, in cell order."""
    return [o["data"][mime] for c in _code_cells(nb) for o in c.outputs if mime in o.get("data", {})]


def _html_table(nb: Any, caption: str) -> str:
    found = [h for h in _outputs(nb, "text/html") if h.startswith('<table class="kg-table">')
             and f"<caption>{caption}</caption>" in h]
    assert len(found) == 1, f"expected one table captioned {caption!r}, found {len(found)}"
    return found[0]


def _execute(name: str, base: Path) -> Any:
    """Run one notebook; its data directory, exports and temporary files all stay under ``base``."""
    nb = _read(name)
    (base / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KGMATCH_DEMAND_ID", "KGMATCH_FIELD_ID")}
    env.update(KGMATCH_DATA_DIR=str(base / "empty-data"), KGMATCH_NOTEBOOK_OUT=str(base / "out"),
               KGMATCH_NOTEBOOK_SAMPLE="1", TMPDIR=str(base / "tmp"))
    km = KernelManager(kernel_name=nb.metadata.kernelspec.name, kernel_spec_manager=_ThisInterpreter())
    client = nbclient.NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    # cleanup_kc: shut the kernel down and close its sockets even though we passed our own manager.
    client.execute(cleanup_kc=True, env=env)  # raises CellExecutionError on the first failing cell
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Path]]:
    """Every notebook, executed: name -> (executed notebook, export directory)."""
    runs = {}
    for name in NAMES:
        base = tmp_path_factory.mktemp(name.split("_")[0])
        runs[name] = (_execute(name, base), base / "out")
    return runs


# -- committed state (fast) ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_with_outputs_cleared(name):
    nb = _read(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in _code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_code_only_calls_the_package(name):
    nb = _read(name)
    assert any(c.cell_type == "markdown" and re.search(r"[\u4e00-\u9fff]", c.source) for c in nb.cells)
    for cell in _code_cells(nb):
        tree = ast.parse(cell.source)
        logic = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, LOGIC)]
        assert not logic, f"{name}: {logic} in cell {cell.source[:60]!r}"
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert imported <= IMPORTABLE, f"{name}: imports {sorted(imported - IMPORTABLE)}"


# -- execution (slow: the demo load, ~5–10 s per notebook) -----------------------------------------
def _no_stderr(nb: Any) -> None:
    streams = [o.text for c in _code_cells(nb) for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert streams == [], "the notebook printed warnings or log lines to analysts"


@pytest.mark.slow
def test_field_and_region_notebook_runs_offline(executed):
    nb, out_dir = executed[FIELD_REGION]
    _no_stderr(nb)
    assert "<th>领域编号</th><th>技术领域</th><th>合计</th>" in _html_table(nb, "需求按顶层技术领域 × 省份分布")
    gap = _html_table(nb, "供需缺口（二级技术领域）")
    assert "<th>缺口指数</th>" in gap and "<tbody><tr><td>" in gap  # at least one field
    assert "<th>缺口指数</th>" in _html_table(nb, "供需缺口（三级技术领域）")
    assert "<caption>图谱规模</caption>" in _outputs(nb, "text/html")[0]
    page = (out_dir / "01_field_neighbourhood.html").read_text(encoding="utf-8")
    assert VIS_SCRIPT in page and not URL.search(page)
    assert (out_dir / "vis-network" / "vis-network.min.js").is_file()
    inline = [h for h in _outputs(nb, "text/html") if 'class="kg-graph"' in h]
    assert len(inline) == 1 and 'class="kg-graph-data"' in inline[0] and not URL.search(inline[0])
    assert len(_outputs(nb, "application/javascript")) == 1  # the vendored vis-network, loaded once
    assert list((out_dir.parent / "tmp").iterdir()) == []  # the demo store's temporary directory was removed


@pytest.mark.slow
def test_walkthrough_notebook_runs_offline(executed):
    nb, out_dir = executed[WALKTHROUGH]
    _no_stderr(nb)
    assert "<tr><td>需求编号</td><td>demand:" in _html_table(nb, "需求要点")
    experts = _html_table(nb, "推荐专家与分项得分")
    assert "<th>领域匹配</th>" in experts and "<tr><td>1</td>" in experts
    assert "→需要→" in _html_table(nb, "解释路径")
    assert "综合得分" in _html_table(nb, "推荐理由")
    assert "<td>RarestFirst（对照）</td>" in _html_table(nb, "推荐团队与 RarestFirst 对照")
    page = (out_dir / "02_explanation.html").read_text(encoding="utf-8")
    assert VIS_SCRIPT in page and not URL.search(page)
    inline = [h for h in _outputs(nb, "text/html") if 'class="kg-graph"' in h]
    assert len(inline) == 1 and not URL.search(inline[0])


@pytest.mark.slow
def test_outcomes_notebook_runs_offline(executed):
    nb, out_dir = executed[OUTCOMES]
    _no_stderr(nb)
    overview = _html_table(nb, "对接工作概况")
    assert "<th>新增需求（项）</th>" in overview and "<th>解决需求（项）</th>" in overview
    assert overview.count("<tr><td>") == 1  # one row of headline numbers
    regions = _html_table(nb, "考核评价（地区）")
    assert "<th>地区</th><th>参与专家（人）</th><th>服务企业（家）</th><th>解决需求（项）</th>" in regions
    assert "<tr><td>region:" in regions  # provinces, by id
    experts = _html_table(nb, "考核评价（专家，前 10 位）")
    assert "<th>专家</th><th>所在单位</th>" in experts and experts.count("<tr><td>expert:") == 10
    months = _html_table(nb, "月度对比")
    assert "<thead><tr><th>时段</th><th>新增需求（项）</th>" in months
    assert "<tr><td>2026 年 9 月</td>" in months and "<tr><td>2026 年 10 月</td>" in months
    book = openpyxl.load_workbook(out_dir / "03_报送报表.xlsx")
    assert "对接成果" in book.sheetnames and book.sheetnames[-1] == "说明"
    assert book["对接成果"]["A1"].value == "需求编号" and book["对接成果"].max_row > 2  # header, demands, 合计
    assert list((out_dir.parent / "tmp").iterdir()) == []  # the demo store's temporary directory was removed


def test_kernel_is_this_interpreter():
    assert _ThisInterpreter().get_kernel_spec("python3").argv[0] == sys.executable
