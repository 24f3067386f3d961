"""``kgmatch recommend``, ``kgmatch evaluate pi-retrieval`` and ``kgmatch relate-fields``."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import click

from api.cli.common import Ctx, fail, run_safely
from api.cli.platforms import print_platforms
from graph.errors import ValidationError
from graph.local_store import LocalStore
from graph.model import Label
from ingest.evaluation_data import load_evaluation_projects
from ingest.field_linking import understand_demand
from ingest.nlp import content_words
from ingest.readers import read_rows
from ingest.resolve import expert_id, normalize_name, normalize_org, resolve_node
from recommend.config import settings_from_text
from recommend.engine import IndexCache, Recommendation, recommend_for_demand, recommend_for_text
from recommend.evaluation import METRIC_KEYS, PiQuery, pi_retrieval
from recommend.field_similarity import write_related_fields
from recommend.profiles import load_profiles
from recommend.ranker import ranker_zh
from recommend.scoring import COMPONENT_ZH, EXPERT_TYPES

__all__ = ["recommend", "evaluate", "relate_fields"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal columns (CJK characters count two); a cut text ends in …, so
    the reader knows it goes on (the whole name is in the sentence under it).

    >>> _pad("王颖", 6) + "|", _pad("中国科学院数学与系统科学研究院", 12) + "|", _pad("PANFENG（潘锋）", 10) + "|"
    ('王颖  |', '中国科学院… |', 'PANFENG（…|')
    """
    if _width(text) <= width:
        return text + " " * (width - _width(text))
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out, used = out + ch, used + w
    return out + "…" + " " * (width - used - 1)


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs, typed by :func:`recommend.config.settings_from_text` (as the API types them)."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"「{pair}」应写成 名称=值", param_hint="--set")
        values[name] = raw
    try:
        return settings_from_text(values)
    except ValidationError as err:
        raise click.BadParameter(err.message, param_hint="--set") from None


def _print_recommendation(rec: Recommendation) -> None:
    fields = "、".join(f"{rec.field_names.get(f, f)}({w:g})" for f, w in
                      sorted(rec.demand.fields.items(), key=lambda x: (-x[1], x[0])))
    click.echo(f"需求：{rec.demand_name}")
    click.echo(f"所需领域：{fields or '（未关联领域，按文本检索）'}；候选专家 {rec.candidates} 人，"
               f"排除 {len(rec.excluded)} 人；打分权重：{ranker_zh(rec.settings.get('ranker'))}")
    if rec.verdict is not None and rec.verdict.abstain:
        v = rec.verdict.as_dict(rec.field_names)
        gap = "、".join(f"{g['name']} {g['experts_with_direct_evidence']} 人" for g in v["supply_gap"])
        click.echo(f"注意：{v['message']}。供给缺口：{gap}")  # each expert's own confidence is on its line
        click.echo(f"建议：{'；'.join(v['actions'])}")
    click.echo("")
    click.echo(f"{'名次':<4}{_pad('专家', 10)}{_pad('单位', 28)}{'得分':>6}  主要贡献")
    for e in rec.experts:
        f = e.scored.facts
        top = sorted(e.scored.contributions.items(), key=lambda kv: -kv[1])[:2]
        parts = "、".join(f"{COMPONENT_ZH.get(k, k)} {v:.2f}" for k, v in top if v > 0)
        conf = f"  置信度 {e.evidence.confidence:.2f}" if e.evidence is not None else ""
        click.echo(f"{e.rank:<6}{_pad(f.name, 10)}{_pad(f.institution_name or '', 28)}{e.scored.score:>6.3f}  {parts}{conf}")
        if e.paths:
            click.echo(f"      路径：{e.paths[0].text()}")
        click.echo(f"      理由：{e.sentence}")
    click.echo("")
    click.echo("推荐团队：" if rec.teams else "推荐团队：无（候选专家不能覆盖所需领域）")
    for n, t in enumerate(rec.teams, start=1):
        click.echo(f"  方案{n}（覆盖 {t.team.coverage:.0%}，沟通代价 {t.team.communication_cost:g}）：{t.sentence}")
    if rec.rarest_first:
        t = rec.rarest_first.team
        click.echo(f"  对照 RarestFirst（覆盖 {t.coverage:.0%}，沟通代价 {t.communication_cost:g}）：{rec.rarest_first.sentence}")
    for expert, reason in sorted(rec.excluded.items())[:10]:
        click.echo(f"  已排除 {expert}：{reason}")
    print_platforms(rec.platforms)


@click.command()
@click.argument("demand_id", required=False)
@click.option("--text", help="直接输入需求文本（不必先导入）/ recommend for free text.")
@click.option("--region", help="配合 --text：需求企业所在地区（编号、代码或名称，如 330100、杭州市）/ region for --text.")
@click.option("--top-k", type=int, default=None, help="返回人数（默认 10）/ how many experts.")
@click.option("--expert-type", type=click.Choice(EXPERT_TYPES), default=None,
              help="只推荐某类专家 / only experts of this type.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="覆盖任一推荐参数，如 --set weight_region=0.3 --set max_per_institution=0（见 README）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 / print JSON.")
@click.pass_obj
@run_safely
def recommend(obj: Ctx, demand_id: str | None, text: str | None, region: str | None, top_k: int | None,
              expert_type: str | None, settings: tuple[str, ...], as_json: bool) -> None:
    """为一条需求推荐专家与团队并说明理由 / recommend experts and teams for a demand."""
    if bool(demand_id) == bool(text):
        raise click.UsageError("请给出需求编号 DEMAND_ID，或用 --text 输入需求文本（二选一）。")
    overrides = _parse_settings(settings)
    if top_k is not None:
        overrides["top_k"] = top_k
    if expert_type:
        overrides["expert_type"] = expert_type
    store = obj.store()
    index = IndexCache(content_words, persist_dir=obj.index_dir(), background=False).get(store)
    if demand_id:
        rec = recommend_for_demand(store, demand_id, tokenize=content_words, overrides=overrides, index=index)
    else:
        region_id = resolve_node(store, Label.REGION, region, field_name="--region").id if region else None
        rec = recommend_for_text(store, text, tokenize=content_words, understand=understand_demand,
                                 region_id=region_id, overrides=overrides, index=index)
    if as_json:
        click.echo(json.dumps(rec.as_dict(), ensure_ascii=False, indent=1))
    else:
        _print_recommendation(rec)


def _queries(path: Path) -> list[PiQuery]:
    errors: list = []
    out = []
    for row in read_rows(path, errors):
        title = str(row.values.get("项目名称") or "").strip()
        name, inst = row.values.get("gold_负责人"), row.values.get("gold_依托单位")
        if title and name and inst:
            out.append(PiQuery(title, expert_id(normalize_name(str(name)), normalize_org(str(inst)))))
    if errors or not out:
        fail(f"查询文件 {path} 需要列 项目名称、gold_负责人、gold_依托单位，且至少一行有效")
    return out


@click.group()
def evaluate() -> None:
    """离线评测 / offline evaluation."""


@evaluate.command("pi-retrieval")
@click.option("--projects", "projects_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="项目文件（NSFC 列：项目批准号、项目类别、项目名称、依托单位、负责人、金额、起止年月）。")
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="查询文件（列：项目名称、gold_负责人、gold_依托单位）。")
@click.option("--k", default=100, show_default=True, help="每次检索返回的专家数 / ranking depth.")
@click.option("--engine/--no-engine", default=True, show_default=True,
              help="同时评测推荐引擎的分项打分（人工权重与学习排序）/ also rank with the engine's components.")
@click.option("--tune/--no-tune", default=True, show_default=True,
              help="在训练部分上调优 BM25 基线（k1、b、分词方式）/ tune the BM25 baseline on the training part.")
@click.option("--ablation/--no-ablation", default=True, show_default=True, help="输出消融结果 / ablation rows.")
@run_safely
def pi_retrieval_command(projects_path: Path, queries_path: Path, k: int, engine: bool, tune: bool,
                         ablation: bool) -> None:
    """按项目名称找负责人：kgmatch 与 BM25 基线对比 / who led this project? kgmatch vs BM25."""
    queries = _queries(queries_path)
    with tempfile.TemporaryDirectory(prefix="kgmatch-eval-") as tmp, LocalStore(tmp) as store:
        report = load_evaluation_projects(projects_path, store)
        click.echo(f"项目：导入 {report.rows} 行，拒绝 {report.rejected_rows} 行；查询 {len(queries)} 条。", err=True)
        profiles = load_profiles(store)
        result = pi_retrieval(profiles, queries, tokenize=content_words, k=k, store=store if engine else None,
                              tune=tune, ablation=ablation)
    click.echo(f"{'系统':<16}" + "".join(f"{key:>14}" for key in METRIC_KEYS) + "   MRR 95%区间     Hit@10 95%区间   MRR/基线")
    for system in result["systems"]:
        row, rel = result[system], result["relative"][system]
        ratio = f"{rel['mrr_ratio']:.3f} [{rel['ci'][0]:.3f}, {rel['ci'][1]:.3f}]" if rel["mrr_ratio"] is not None else "-"
        click.echo(f"{system:<16}" + "".join(f"{row[key]:>14}" for key in METRIC_KEYS)
                   + f"   [{row['mrr_ci'][0]:.3f}, {row['mrr_ci'][1]:.3f}]  [{row['hit@10_ci'][0]:.3f}, "
                     f"{row['hit@10_ci'][1]:.3f}]  {ratio}")
    base = result["bm25"]["mrr"]
    if base:
        click.echo(f"MRR 相对提升（对未调优 BM25）{100 * (result['kgmatch']['mrr'] / base - 1):+.1f}%；"
                   f"每次查询耗时比 kgmatch/bm25 = {result['kgmatch']['ms_per_query'] / max(result['bm25']['ms_per_query'], 1e-9):.2f}")
    d = result["details"]
    click.echo(f"参考年份 {d['ref_year']}，专家 {d['experts']} 人，先验权重 {d['prior_weight']}（在项目数据自身的历史上校准："
               + "、".join(f"{w}→{m:.4f}" for w, m in d["calibration_mrr"].items()) + "）")
    if "bm25_tuned" in d:
        t = d["bm25_tuned"]
        click.echo(f"BM25 调优（训练部分 {t['train_queries']} 条伪查询）：k1={t['k1']}、b={t['b']}、分词={t['analyzer']}，"
                   f"训练 MRR {t['train_mrr']}（默认参数 {t['default_point_train_mrr']}）")
    if "ranker" in d:
        r = d["ranker"]
        click.echo(f"学习排序（训练 {r['train_groups']} 组伪查询）：选用 {r['chosen']}；验证 MRR "
                   + "、".join(f"{n}→{m}" for n, m in r["selection"].items())
                   + f"；权重 {json.dumps(r['weights'], ensure_ascii=False)}；候选中含真实负责人 {r['gold_among_candidates']:.1%}")
    if ablation:
        click.echo("消融（逐项加入）：")
        for name, row in result["ablation"].items():
            click.echo(f"  {_pad(name, 32)}" + "".join(f"{key} {row[key]:<8}" for key in row))
    click.echo(json.dumps({key: result[key] for key in (*result["systems"], "relative", "queries")},
                          ensure_ascii=False))


@click.command("relate-fields")
@click.option("--top-k", default=10, show_default=True, help="每个领域保留的相关领域数。")
@click.option("--min-score", default=0.2, show_default=True, help="相似度下限。")
@click.pass_obj
@run_safely
def relate_fields(obj: Ctx, top_k: int, min_score: float) -> None:
    """计算领域相似度并写入 RELATED_TO（整体替换，可重复执行）/ recompute RELATED_TO."""
    written = write_related_fields(obj.store(), top_k=top_k, min_score=min_score)
    click.echo(f"已写入相关领域关系 {written} 条（每个领域最多 {top_k} 条，相似度 ≥ {min_score}）。")
