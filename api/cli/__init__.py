"""The ``kgmatch`` command line: init the store, load data, print statistics (other command groups in the modules beside it).

Errors go to stderr in Chinese with a non-zero exit status: 1 when the command
failed or rejected rows, 2 for wrong usage (click's convention).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click

from api.cli.common import Ctx, fail, run_safely
from api.cli.coverage import coverage
from api.cli.linker import train_linker
from api.cli.ranker import train_ranker
from api.cli.recommend import evaluate, recommend, relate_fields
from api.cli.serve import serve, user
from api.cli.webhook import webhook
from api.cli.workflow import WORKFLOW_COMMANDS
from graph import BACKENDS
from graph.errors import Msg
from graph.local_store import default_data_dir
from graph.model import Label, RelType
from graph.store import Batch, GraphStore
from ingest.dedup import DUPLICATE_THRESHOLD, DemandText, find_duplicates
from ingest.demo import load_demo
from ingest.importers import IMPORT_KINDS, import_file
from ingest.loader import LoadReport, load_file, write_error_file
from ingest.patents import import_patents
from ingest.taxonomies import TAXONOMY_KINDS, load_taxonomy
from recommend.field_similarity import write_related_fields
from workflow.demo import make_demo_history

__all__ = ["main"]

log = logging.getLogger(__name__)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "backend", type=click.Choice(BACKENDS), envvar="KGMATCH_STORE", default="local",
              show_default=True, help="图存储后端 / graph backend (env KGMATCH_STORE).")
@click.option("--data-dir", envvar="KGMATCH_DATA_DIR", default=None,
              help="本地存储目录 / local store directory (env KGMATCH_DATA_DIR, default var/).")
@click.option("-v", "--verbose", is_flag=True, help="输出调试日志 / debug logging.")
@click.pass_context
def main(ctx: click.Context, backend: str, data_dir: str | None, verbose: bool) -> None:
    """kgmatch：企业技术需求与科技人才精准对接 / knowledge-graph expert recommendation."""
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # libraries that lower their own loggers' level (bm25s) stay quiet
    if not verbose:  # the driver's English retry notices; the store reports a lost server in Chinese
        logging.getLogger("neo4j").setLevel(logging.ERROR)
    state = Ctx(backend, data_dir)
    ctx.obj = state
    ctx.call_on_close(state.close)


@main.command()
@click.option("--reset", is_flag=True, help="先清空全部数据 / delete all data first.")
@click.pass_obj
@run_safely
def init(obj: Ctx, reset: bool) -> None:
    """初始化图存储（Neo4j：应用 schema.cypher）/ create schema, idempotent."""
    store = obj.store()
    if reset:
        store.clear()
    store.init_schema()
    click.echo(f"已初始化 {store.backend} 图存储。")


def _data_dir() -> Path:
    """The data directory of this command (``--data-dir``, else ``KGMATCH_DATA_DIR``, else ``var/``)."""
    ctx = click.get_current_context(silent=True)
    chosen = ctx.find_object(Ctx) if ctx is not None else None
    return Path(chosen.data_dir) if chosen is not None and chosen.data_dir else default_data_dir()


def _show(report: LoadReport, errors_path: Path | None) -> Path | None:
    """Print what one load did; write and return its error file when rows were rejected."""
    click.echo(f"{report.source}：导入节点 {report.nodes} 个、关系 {report.relationships} 条。")
    if report.ok:
        return None
    path = errors_path or _data_dir() / "errors" / (Path(report.source).stem + ".errors.csv")
    write_error_file(report, path)
    for e in report.errors[:20]:
        click.echo(f"  {e.message()}", err=True)
    if len(report.errors) > 20:
        click.echo(f"  ……另有 {len(report.errors) - 20} 处错误", err=True)
    return path


def _report(report: LoadReport, errors_path: Path | None) -> None:
    path = _show(report, errors_path)
    if path is not None:
        fail(Msg.ROWS_REJECTED.format(bad=report.rejected_rows, good=report.rows, path=path))


LOAD_KINDS = ("graph", *IMPORT_KINDS, "patent", *TAXONOMY_KINDS)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(LOAD_KINDS), default="graph", show_default=True,
              help="数据类型：graph 通用节点/关系格式；enterprise 企业、demand 技术需求、expert 专家、institution 机构、"
                   "project 项目（CSV/XLSX/JSON，中英文列名，见 ingest/mapping.py）；patent 专利（公开号、专利名称、IPC分类号）；其余为分类体系 / what the file holds.")
@click.option("--field", "default_fields", multiple=True, metavar="FIELD",
              help="没有申请代码的项目归入的技术领域，如 nsfc:G（可重复）/ field of projects that name none.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="错误明细文件 / where to write rejected rows (default 数据目录/errors/NAME.errors.csv).")
@click.pass_obj
@run_safely
def load(obj: Ctx, file: Path, kind: str, default_fields: tuple[str, ...], errors_path: Path | None) -> None:
    """导入数据文件；FILE 写 demo 则导入内置演示数据（分类体系、NSFC 项目、data/demo/）/ load a file, or `demo`."""
    progress = sys.stderr.isatty()
    if str(file) == "demo":
        _load_demo(obj.store(), progress)
        return
    if not file.is_file():
        raise click.BadParameter(f"文件「{file}」不存在", param_hint="FILE")
    store = obj.store()
    if kind == "graph":
        report = load_file(file, store, progress=progress)
    elif kind in TAXONOMY_KINDS:
        report = load_taxonomy(file, kind, store, progress=progress)
    elif kind == "patent":
        report = import_patents(file, store, progress=progress)
    else:
        report = import_file(file, kind, store, progress=progress, default_fields=default_fields)
    _report(report, errors_path)


def _load_demo(store: GraphStore, progress: bool) -> None:
    """Load the shipped demo set, print each file's report, fail when any row was rejected."""
    started = time.perf_counter()
    rejected: list[Path] = []
    bad_rows = 0

    def show(report: LoadReport) -> None:
        nonlocal bad_rows
        path = _show(report, None)
        if path is not None:
            rejected.append(path)
            bad_rows += report.rejected_rows

    reports = load_demo(store, progress=progress, on_report=show)
    related = write_related_fields(store)
    history = make_demo_history(store)
    click.echo(history.text() if history else "演示对接记录已存在，未重复生成。")
    click.echo(f"演示数据：{len(reports)} 个文件，计算相关领域 {related} 条，用时 {time.perf_counter() - started:.1f} 秒。")
    if rejected:
        fail(f"演示数据中共 {bad_rows} 行有误未导入；错误明细见 {'、'.join(str(p) for p in rejected)}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
@run_safely
def stats(obj: Ctx, as_json: bool) -> None:
    """统计各类节点与关系数量 / count nodes per label and relationships per type."""
    counts = obj.store().counts()
    if as_json:
        click.echo(json.dumps(counts.as_dict(), ensure_ascii=False, sort_keys=True))
        return
    click.echo("节点：")
    for label, n in counts.nodes.items():
        click.echo(f"  {label:<14}{n:>10}")
    click.echo("关系：")
    for rel, n in counts.relationships.items():
        click.echo(f"  {rel:<14}{n:>10}")


def _stored_demands(store: GraphStore) -> list[DemandText]:
    """Every stored demand, oldest first (by ``posted``, then id), as dedup sees it."""
    nodes, skip = [], 0
    while page := store.list_nodes(Label.DEMAND, skip=skip, limit=1000):
        nodes += page
        skip += len(page)
    nodes.sort(key=lambda n: (str(n.props.get("posted") or ""), n.id))
    return [DemandText.from_props(n.id, n.props) for n in nodes]


@main.command()
@click.option("--threshold", type=float, default=DUPLICATE_THRESHOLD, show_default=True,
              help="相似度阈值（在 data/dedup 的人工标注样例上选定）/ similarity threshold.")
@click.option("--mark", is_flag=True, help="把结果写成 DUPLICATE_OF 关系（整体替换）/ store the pairs as DUPLICATE_OF.")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
@run_safely
def duplicates(obj: Ctx, threshold: float, mark: bool, as_json: bool) -> None:
    """找出疑似重复提交的需求（同一问题换了说法）/ list near-duplicate demands."""
    store = obj.store()
    demands = _stored_demands(store)
    titles = {d.id: d.title for d in demands}
    pairs = find_duplicates(demands, threshold=threshold) if len(demands) > 1 else []
    if mark:
        rows = [{"start": p.b, "end": p.a, "score": p.score} for p in pairs]
        store.write(Batch(replace_types=[RelType.DUPLICATE_OF])
                    .add_rels(RelType.DUPLICATE_OF, Label.DEMAND, Label.DEMAND, rows))
    if as_json:
        click.echo(json.dumps([{**p.as_dict(), "a_title": titles[p.a], "b_title": titles[p.b]} for p in pairs],
                              ensure_ascii=False))
        return
    click.echo(f"共 {len(demands)} 条需求，疑似重复 {len(pairs)} 对（阈值 {threshold}）" + ("，已写入图谱。" if mark else "。"))
    for p in pairs:
        click.echo(f"  {p.score:.3f}  {p.b}「{titles[p.b]}」 ≈ {p.a}「{titles[p.a]}」")


for _command in (recommend, evaluate, relate_fields, serve, user):
    main.add_command(_command)
main.add_command(webhook)
main.add_command(coverage)
main.add_command(train_linker)
main.add_command(train_ranker)
for _command in WORKFLOW_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
