"""Latency of ``GET /api/v1/demands/{id}/recommendations`` on a realistic graph, against baselines.

    .venv/bin/kgmatch --data-dir /tmp/apibench load demo     # once: ~5-10 s
    python -m bench.api_latency --data-dir /tmp/apibench [--requests 60] [--demands 30]

Opens the embedded store in ``--data-dir`` (users, keys and the audit log go to a
temporary directory). When it holds fewer than ``--demands`` demands, creates the
missing ones through ``POST /api/v1/demands`` from the realistic Chinese demands below
(fields linked by the importer's NLP), so the write path is exercised too. Then, after
one warm-up request (which builds the expert index), times ``--requests`` requests with
the Flask test client, cycling over the demands, and the same number of two baselines
measured in the same run: ``GET /api/v1/health`` (the app's fixed cost) and the bare
store read of a demand. Prints p50/p95 and ratios; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.app import create_app
from graph.local_store import LocalStore
from graph.model import Label

DEMANDS: list[dict[str, Any]] = [
    {"title": "水稻抗稻瘟病新品种选育", "description": "我公司是种业企业，希望利用分子标记辅助选择培育抗稻瘟病、高产的杂交水稻新品种。", "region": "430100", "industry": "01"},
    {"title": "设施蔬菜土传病害绿色防控", "description": "大棚黄瓜、番茄枯萎病和根结线虫发生严重，需要生物防治与土壤消毒综合技术。", "region": "370700", "industry": "01"},
    {"title": "生猪非洲猪瘟快速检测试剂", "description": "养殖场需要现场快速、低成本的非洲猪瘟病毒核酸检测方法。", "region": "410100", "industry": "03"},
    {"title": "奶牛乳房炎早期诊断与防治", "description": "牧场奶牛乳房炎发病率高，希望建立早期诊断指标和减抗治疗方案。", "region": "150100", "industry": "03"},
    {"title": "对虾养殖病害防控与水质调控", "description": "南美白对虾养殖中弧菌病频发，需要益生菌制剂和水质调控技术。", "region": "440800", "industry": "04"},
    {"title": "茶叶加工过程品质控制", "description": "绿茶加工过程中香气和滋味不稳定，希望优化杀青、揉捻工艺并建立品质评价方法。", "region": "330100", "industry": "C15"},
    {"title": "发酵乳制品益生菌菌株筛选", "description": "需要筛选耐酸耐胆盐、具有降胆固醇功能的乳酸菌菌株用于酸奶生产。", "region": "310000", "industry": "C14"},
    {"title": "中药材连作障碍治理", "description": "三七种植连作障碍严重，需要研究根际微生物与自毒物质并提出修复措施。", "region": "530100", "industry": "01"},
    {"title": "食品中农药残留快速检测", "description": "超市生鲜需要现场快速检测有机磷和氨基甲酸酯类农药残留的试纸或设备。", "region": "320500", "industry": "C14"},
    {"title": "微生物发酵生产维生素工艺优化", "description": "提高发酵法生产维生素B2的产率，需要菌种改造和发酵过程优化。", "region": "370100", "industry": "C27"},
    {"title": "重金属污染农田土壤修复", "description": "镉污染稻田需要低成本的钝化修复和低积累品种筛选技术。", "region": "430200", "industry": "01"},
    {"title": "林下经济中药材高效种植", "description": "利用林下空间种植黄精、白芨，需要栽培技术规程和病虫害防治方案。", "region": "520100", "industry": "02"},
    {"title": "肉鸡饲料减抗替抗技术", "description": "饲料禁抗后肉鸡肠道健康问题突出，需要植物提取物或益生菌替抗方案。", "region": "370200", "industry": "C13"},
    {"title": "苹果采后保鲜与贮藏", "description": "苹果冷库贮藏期间虎皮病和腐烂损失大，希望引入1-MCP和气调保鲜技术。", "region": "610100", "industry": "C13"},
    {"title": "水产饲料鱼粉替代蛋白源", "description": "降低鱼粉用量，开发昆虫蛋白、单细胞蛋白等替代蛋白源在鱼饲料中的应用。", "region": "350100", "industry": "C13"},
    {"title": "植物源生物农药研发", "description": "开发以苦参碱、印楝素为有效成分的植物源杀虫剂并完成田间药效试验。", "region": "420100", "industry": "C26"},
    {"title": "马铃薯脱毒种薯繁育体系", "description": "需要建立马铃薯茎尖脱毒、组培快繁和病毒检测的种薯繁育体系。", "region": "620100", "industry": "01"},
    {"title": "水体富营养化蓝藻治理", "description": "湖泊蓝藻水华频发，需要生态修复和藻类监测预警技术。", "region": "320200", "industry": "N77"},
    {"title": "制造企业供应链协同管理", "description": "我公司零部件供应商多、交付不稳定，希望建立供应链协同与库存优化的管理方法。", "region": "440300", "industry": "C36"},
    {"title": "中小企业数字化转型路径", "description": "传统制造企业数字化转型缺乏方法，需要评估模型和实施路径咨询。", "region": "330200", "industry": "C34"},
    {"title": "商业银行小微企业信用风险评估", "description": "需要基于企业经营数据构建小微企业信用风险评估与预警模型。", "region": "110000", "industry": "J66"},
    {"title": "物流配送路径优化", "description": "城市生鲜配送成本高，需要车辆路径优化与智能调度算法。", "region": "510100", "industry": "G54"},
    {"title": "企业创新激励与绩效考核", "description": "研发人员积极性不足，希望设计科学的创新激励机制和绩效考核体系。", "region": "420100", "industry": "L72"},
    {"title": "电商平台消费者行为分析", "description": "需要分析电商平台用户购买行为，提升复购率和精准营销效果。", "region": "330100", "industry": "F52"},
    {"title": "区域产业集群发展规划", "description": "开发区需要研究主导产业集群的发展战略与招商政策。", "region": "340100", "industry": "L72"},
    {"title": "医院运营管理效率提升", "description": "公立医院床位周转慢，需要运营管理优化和绩效评价方法。", "region": "500000", "industry": "Q83"},
    {"title": "家禽禽流感疫苗效果评价", "description": "需要评价H9N2亚型禽流感疫苗免疫效果并优化免疫程序。", "region": "370300", "industry": "03"},
    {"title": "果蝇等实蝇类害虫监测防控", "description": "柑橘园实蝇危害严重，需要诱捕监测和绿色防控技术。", "region": "450100", "industry": "01"},
    {"title": "酿酒酵母耐高温菌株改良", "description": "白酒酿造夏季高温影响发酵，需要耐高温酿酒酵母菌株选育。", "region": "510500", "industry": "C15"},
    {"title": "企业碳排放核算与减排管理", "description": "需要建立企业碳排放核算方法和碳减排管理与激励方案。", "region": "320100", "industry": "C30"},
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(n: int, call: Callable[[int], Any]) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_pct(ms, 0.5), 3), "p95_ms": round(_pct(ms, 0.95), 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Seed demands if needed, measure, print the summary and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/tmp/apibench")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--demands", type=int, default=30)
    args = parser.parse_args(argv)
    if args.requests < 50:
        parser.error("--requests must be at least 50")
    store = LocalStore(Path(args.data_dir))
    with tempfile.TemporaryDirectory(prefix="kgmatch-bench-") as tmp:
        app = create_app({"KGMATCH_DATA_DIR": tmp, "SECRET_KEY": "bench"}, store=store)
        headers = {"X-API-Key": app.extensions["kgmatch"].users.add_key("bench", "admin")}
        client = app.test_client()
        have = store.find_nodes(Label.DEMAND, limit=0).total
        created = 0
        for payload in DEMANDS[: max(0, args.demands - have)]:
            response = client.post("/api/v1/demands", json=payload, headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"POST /api/v1/demands failed: {response.status_code} {response.get_json()}")
            created += 1
        ids = [n.id for n in store.find_nodes(Label.DEMAND, limit=args.demands).nodes]
        if not ids:
            raise SystemExit("no demands in the store")
        started = time.perf_counter()
        assert client.get(f"/api/v1/demands/{ids[0]}/recommendations", headers=headers).status_code == 200
        warm_up = time.perf_counter() - started

        def recommend(i: int) -> None:
            response = client.get(f"/api/v1/demands/{ids[i % len(ids)]}/recommendations", headers=headers)
            assert response.status_code == 200, response.get_json()

        rec = _timed(args.requests, recommend)
        health = _timed(args.requests, lambda i: client.get("/api/v1/health"))
        bare = _timed(args.requests, lambda i: store.get_node(Label.DEMAND, ids[i % len(ids)]))
    counts = store.counts()
    store.close()
    result = {"store": "local", "nodes": sum(counts.nodes.values()),
              "demands": len(ids), "created": created, "requests": args.requests,
              "warm_up_s": round(warm_up, 2), "recommendations": _summary(rec), "health": _summary(health),
              "bare_store_read": _summary(bare),
              "ratio_p50_vs_health": round(_pct(rec, 0.5) / _pct(health, 0.5), 1),
              "ratio_p95_vs_health": round(_pct(rec, 0.95) / _pct(health, 0.95), 1)}
    print(f"demands {len(ids)} (created {created} through POST), {args.requests} requests each, "
          f"warm-up {warm_up:.1f} s (builds the expert index)")
    for name in ("recommendations", "health", "bare_store_read"):
        s = result[name]
        print(f"  {name:<16} p50 {s['p50_ms']:>9.2f} ms   p95 {s['p95_ms']:>9.2f} ms")
    print(f"  recommendations / health: p50 ×{result['ratio_p50_vs_health']}, p95 ×{result['ratio_p95_vs_health']}")
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
