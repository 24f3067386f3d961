"""``kgmatch load`` and ``kgmatch duplicates``: the commands that read data files and the demands.

Imported only when one of them runs (:class:`api.cli.LazyGroup`): the importers, the taxonomy
loaders and the demo history are heavy, and ``kgmatch stats`` needs none of them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from api.cli.common import Ctx, fail, run_safely
from graph.environment import env_value
from graph.errors import Msg
from graph.local_store import default_data_dir
from graph.model import Label, RelType
from graph.store import Batch, GraphStore
from ingest.bulk import counts_total, empty_error, import_command, local_server, run_import, shell_command, write_csvs
from ingest.dedup import DUPLICATE_THRESHOLD, DemandText, find_duplicates
from ingest.demo import load_demo
from ingest.importers import IMPORT_KINDS, import_file
from ingest.loader import LoadReport, load_file, write_error_file
from ingest.patents import import_patents
from ingest.taxonomies import TAXONOMY_KINDS, load_taxonomy
from recommend.field_similarity import write_related_fields
from workflow.activity_demo import make_activity_history
from workflow.demo import make_demo_history

__all__ = ["LOAD_KINDS", "bulk_import", "duplicates", "load"]


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


@click.command()
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
    made = make_activity_history(store)  # activities and training (issue 16)
    click.echo(made.text() if made else "演示活动记录已存在，未重复生成。")
    click.echo(f"演示数据：{len(reports)} 个文件，计算相关领域 {related} 条，用时 {time.perf_counter() - started:.1f} 秒。")
    if rejected:
        fail(f"演示数据中共 {bad_rows} 行有误未导入；错误明细见 {'、'.join(str(p) for p in rejected)}")


def _stored_demands(store: GraphStore) -> list[DemandText]:
    """Every stored demand, oldest first (by ``posted``, then id), as dedup sees it."""
    nodes, skip = [], 0
    while page := store.list_nodes(Label.DEMAND, skip=skip, limit=1000):
        nodes += page
        skip += len(page)
    nodes.sort(key=lambda n: (str(n.props.get("posted") or ""), n.id))
    return [DemandText.from_props(n.id, n.props) for n in nodes]


@click.command()
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


@click.command("bulk-import")
@click.argument("stage", type=click.Path(file_okay=False, path_type=Path))
@click.option("--csv-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="CSV 文件目录 / where the neo4j-admin CSVs go (default STAGE/bulk-csv).")
@click.option("--csv-only", is_flag=True,
              help="只写 CSV 并打印 neo4j-admin 命令（用于不是 deploy/neo4j 启动的服务器）/ write the CSVs and print the command.")
@click.option("--max-off-heap", default="1g", show_default=True,
              help="neo4j-admin 的 --max-off-heap-memory（堆外内存上限；堆大小见 KGMATCH_NEO4J_HEAP_MAX）/ the importer's off-heap limit.")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出用时 / print the timings as JSON.")
@click.pass_obj
@run_safely
def bulk_import(obj: Ctx, stage: Path, csv_dir: Path | None, csv_only: bool, max_off_heap: str, as_json: bool) -> None:
    """把暂存的本地库整体导入空的 Neo4j（neo4j-admin database import）/ bulk-load an empty Neo4j from a staged store.

    STAGE 是先用普通导入装好数据的本地存储目录，例如 `kgmatch --data-dir STAGE load demo`、
    `kgmatch --data-dir STAGE load FILE --kind project`：行的校验、实体消解与属性与直接导入 Neo4j 完全相同。
    随后本命令导出 CSV，停止本地 Neo4j（deploy/neo4j），导入，重新启动并应用 schema.cypher。
    """
    if obj.backend != "neo4j" and not csv_only:
        fail("批量导入的目标是 Neo4j：请加 --store neo4j（或设置 KGMATCH_STORE=neo4j）。")
    if not (stage / "graph.sqlite").is_file():
        fail(f"暂存目录「{stage}」不是本地存储目录：先用 kgmatch --data-dir {stage} load … 导入数据。")
    started = time.perf_counter()
    if not csv_only:
        target = obj.store()
        nodes = counts_total(target)
        if nodes:
            raise empty_error(nodes)
        uri, port = env_value("KGMATCH_NEO4J_URI"), int(env_value("KGMATCH_NEO4J_BOLT_PORT"))
        if not local_server(uri, port):
            fail(f"KGMATCH_NEO4J_URI（{uri}）不是本机 deploy/neo4j 在端口 {port} 上运行的服务器，无法替它停机导入；"
                 "请用 --csv-only 写出 CSV，在该服务器停机后运行打印出的 neo4j-admin 命令。")
    files = write_csvs(stage, csv_dir or stage / "bulk-csv")  # read-only: the staged store is not touched
    exported = time.perf_counter() - started
    done = {"nodes": files.node_count, "relationships": files.relationship_count,
            "files": len(files.nodes) + len(files.relationships), "csv_dir": str(files.directory),
            "export_s": round(exported, 2)}
    if not as_json:
        click.echo(f"已写出 CSV：节点 {files.node_count} 个、关系 {files.relationship_count} 条，{done['files']} 个文件，"
                   f"在 {files.directory}（{exported:.1f} 秒）。")
    if csv_only:
        command = shell_command(import_command(files, database=env_value("KGMATCH_NEO4J_DATABASE"), off_heap=max_off_heap))
        click.echo(json.dumps({**done, "command": command}, ensure_ascii=False) if as_json else command)
        return
    obj.reopen()  # the server restarts: connect again afterwards
    seconds = run_import(files, database=env_value("KGMATCH_NEO4J_DATABASE"), off_heap=max_off_heap)
    store = obj.store()
    schema_started = time.perf_counter()
    store.init_schema()
    schema_s = time.perf_counter() - schema_started
    total = time.perf_counter() - started
    done.update(import_s=round(seconds, 2), schema_s=round(schema_s, 2), total_s=round(total, 2),
                import_rows_per_s=round(files.rows / max(seconds, 1e-9)), total_rows_per_s=round(files.rows / total))
    if as_json:
        click.echo(json.dumps(done, ensure_ascii=False))
        return
    click.echo(f"neo4j-admin 导入 {files.rows} 行用时 {seconds:.1f} 秒（{done['import_rows_per_s']:,} 行/秒）；"
               f"建约束与索引 {schema_s:.1f} 秒；全程 {total:.1f} 秒（{done['total_rows_per_s']:,} 行/秒）。")
