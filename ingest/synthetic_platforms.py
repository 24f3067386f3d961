"""A synthetic platform list for the demo (issue 16), generated from a seed and marked synthetic.

An office's list of 公共技术服务平台, 创新人才培养示范基地, 中试基地, 检验检测中心 … is not public,
so the demo's is generated here, in the import format of ``kgmatch load FILE --kind platform``
(:mod:`ingest.platforms`; JSON lines with the canonical English keys). What is real:

* the hosts: universities of ``data/taxonomies/universities-cn`` and 中国科学院 institutes, each of
  which appears in the shipped NSFC or 国家重点研发计划 project lists (so the platform's HOSTED_BY
  reaches an Institution the demo already has, with its experts);
* the 国家高新区 of the 公共技术服务平台 (real zone names, with the GB/T 2260 code of their city);
* the 高新技术领域 codes (``data/taxonomies/hightech-fields-2016``) and the service and instrument
  names of ``data/platforms/vocabulary.json`` (standard Chinese names; see its SOURCE.md).

What is fictitious: which host runs which platform, the platform names (host + field + kind), the
combination of services and equipment, levels and contacts (an office name, no phone or e-mail).
Every row names its fields, so ``load demo`` needs neither the field linker nor the segmenter (a list
without field codes is linked from its text by the importer; ``tests/test_platforms.py`` covers it). ``python -m ingest.synthetic_platforms`` rewrites
``data/platforms/platforms.jsonl``; one seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path
from typing import Any

from graph.model import PLATFORM_KINDS
from ingest.resolve import DATA_ROOT

__all__ = ["PLATFORM_DIR", "SEED", "generate", "hosts", "main"]

PLATFORM_DIR = DATA_ROOT / "platforms"
SEED = 16
COUNT = 72
MIN_PROJECTS = 20  # a university host has at least this many NSFC projects in data/nsfc

# Real 国家高新技术产业开发区 (national high-tech zones) and their cities' GB/T 2260 codes, by province short name.
ZONES: dict[str, tuple[str, str]] = {
    "北京": ("中关村科技园区", "110000"), "天津": ("天津滨海高新技术产业开发区", "120000"),
    "上海": ("上海张江高新技术产业开发区", "310000"), "重庆": ("重庆高新技术产业开发区", "500000"),
    "江苏": ("南京高新技术产业开发区", "320100"), "浙江": ("杭州高新技术产业开发区", "330100"),
    "广东": ("广州高新技术产业开发区", "440100"), "湖北": ("武汉东湖新技术开发区", "420100"),
    "四川": ("成都高新技术产业开发区", "510100"), "陕西": ("西安高新技术产业开发区", "610100"),
    "辽宁": ("大连高新技术产业园区", "210200"), "吉林": ("长春高新技术产业开发区", "220100"),
    "黑龙江": ("哈尔滨高新技术产业开发区", "230100"), "山东": ("济南高新技术产业开发区", "370100"),
    "安徽": ("合肥高新技术产业开发区", "340100"), "福建": ("厦门火炬高技术产业开发区", "350200"),
    "湖南": ("长沙高新技术产业开发区", "430100"), "河南": ("郑州高新技术产业开发区", "410100"),
    "甘肃": ("兰州高新技术产业开发区", "620100"), "云南": ("昆明高新技术产业开发区", "530100"),
}

# Where 中国科学院 institutes whose names carry no place are (city GB/T 2260 code); other CAS hosts must name
# their place (中国科学院沈阳应用生态研究所) so the importer can infer it, or they are not used.
CAS_CITIES: dict[str, str] = {
    "中国科学院电工研究所": "110000", "中国科学院近代物理研究所": "620100", "中国科学院植物研究所": "110000",
    "中国科学院地理科学与资源研究所": "110000", "中国科学院计算技术研究所": "110000", "中国科学院理化技术研究所": "110000",
    "中国科学院亚热带农业生态研究所": "430100", "中国科学院微生物研究所": "110000", "中国科学院过程工程研究所": "110000",
    "中国科学院地球环境研究所": "610100", "中国科学院海洋研究所": "370200", "中国科学院动物研究所": "110000",
    "中国科学院化学研究所": "110000", "中国科学院物理研究所": "110000", "中国科学院半导体研究所": "110000",
    "中国科学院金属研究所": "210100", "中国科学院力学研究所": "110000", "中国科学院高能物理研究所": "110000",
}

# Which instruments a platform of each 高新技术领域 (first level) plausibly has (names of vocabulary.json).
EQUIPMENT_BY_TOP: dict[str, tuple[str, ...]] = {
    "10": ("电磁兼容暗室", "静电放电模拟器", "高低温湿热试验箱", "SMT贴装线", "芯片封装测试线", "振动试验台", "X射线光电子能谱仪",
           "二次离子质谱仪"),
    "20": ("核磁共振波谱仪", "液相色谱-质谱联用仪", "高效液相色谱仪", "500L发酵罐", "200L生物反应器", "真空冷冻干燥机",
           "流式细胞仪", "实时荧光定量PCR仪", "动物实验屏障设施", "细胞培养间"),
    "30": ("三坐标测量机", "工业CT", "振动试验台", "冲击试验台", "高低温湿热试验箱", "万能材料试验机", "X射线探伤机"),
    "40": ("扫描电子显微镜", "透射电子显微镜", "X射线衍射仪", "X射线光电子能谱仪", "热重分析仪", "差示扫描量热仪",
           "万能材料试验机", "纳米压痕仪", "摩擦磨损试验机", "激光粒度仪", "比表面积及孔径分析仪", "喷雾干燥塔", "烧结炉",
           "锥形量热仪", "导热系数测定仪"),
    "50": ("扫描电子显微镜", "傅里叶变换红外光谱仪", "高效液相色谱仪", "三坐标测量机", "金属3D打印机"),
    "60": ("光伏组件测试系统", "钙钛矿电池中试线", "高低温湿热试验箱", "烧结炉", "喷雾干燥塔", "化学吸附仪", "比表面积及孔径分析仪",
           "盐雾试验箱"),
    "70": ("电感耦合等离子体质谱仪", "电感耦合等离子体发射光谱仪", "气相色谱-质谱联用仪", "傅里叶变换红外光谱仪",
           "中试反应釜", "高效液相色谱仪"),
    "80": ("三坐标测量机", "工业CT", "超声波探伤仪", "X射线探伤机", "金属3D打印机", "振动试验台", "万能材料试验机",
           "盐雾试验箱"),
}
# Which testing services (vocabulary.json, 检验检测) fit a platform of each first-level field.
TESTING_BY_TOP: dict[str, tuple[str, ...]] = {
    "10": ("电磁兼容测试", "电气安全检测", "芯片可靠性测试", "软件测评", "信息安全测评", "可靠性试验"),
    "20": ("药物安全性评价", "毒理学评价", "化妆品功效评价", "食品安全检测", "医疗器械检测", "理化检测"),
    "30": ("无损检测", "力学性能测试", "环境可靠性试验", "失效分析", "计量校准"),
    "40": ("材料成分分析", "物相分析", "微观形貌表征", "力学性能测试", "失效分析", "燃烧性能检测", "纺织品检测"),
    "50": ("分析测试", "型式检验", "计量校准", "软件测评"),
    "60": ("光伏组件测试", "环境可靠性试验", "盐雾试验", "材料成分分析", "电气安全检测"),
    "70": ("环境监测", "农药残留检测", "理化检测", "分析测试"),
    "80": ("无损检测", "计量校准", "力学性能测试", "型式检验", "失效分析", "盐雾试验"),
}
_SUFFIX = {"公共技术服务平台": "公共技术服务平台", "创新人才培养示范基地": "创新人才培养示范基地", "中试基地": "中试基地",
           "检验检测中心": "检验检测中心", "大型仪器共享平台": "大型仪器共享平台", "共性技术研发平台": "共性技术研发平台"}
_LEVELS = ("国家级", "省级", "省级", "市级")


def _vocabulary() -> dict[str, Any]:
    return json.loads((PLATFORM_DIR / "vocabulary.json").read_text(encoding="utf-8"))


def _second_level_fields() -> dict[str, list[tuple[str, str]]]:
    """高新技术领域 level-3 codes (5 digits) with names, by first-level code."""
    out: dict[str, list[tuple[str, str]]] = {}
    path = DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if len(row["code"]) == 5:
                out.setdefault(row["code"][:2], []).append((row["code"], row["name"]))
    return out


def hosts() -> list[tuple[str, str | None]]:
    """Real host institutions with their province short name (``None`` for CAS institutes)."""
    unis = json.loads((DATA_ROOT / "taxonomies" / "universities-cn" / "universities_by_province.json")
                      .read_text(encoding="utf-8"))
    province = {u: p for p, d in unis.items() for u in d["all"]}
    counts: dict[str, int] = {}
    for path in sorted((DATA_ROOT / "nsfc").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name = (row.get("institution") or "").strip()
                counts[name] = counts.get(name, 0) + 1
    nkrd = DATA_ROOT / "people" / "nkrd-materials-genome-2016-2018" / "projects.csv"
    if nkrd.exists():
        with nkrd.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name = (row.get("institution") or "").strip()
                counts[name] = counts.get(name, 0) + 1
    universities = sorted((u, province[u]) for u, n in counts.items() if u in province and n >= MIN_PROJECTS)
    places = _place_names()
    cas: list[tuple[str, str | None]] = sorted(
        (u, None) for u in counts if u.startswith("中国科学院") and u.endswith("研究所")
        and (u in CAS_CITIES or any(p in u[5:] for p in places)))
    return universities + cas


def _place_names() -> set[str]:
    """Province and city names of GB/T 2260 without their suffix (沈阳, 青岛, 新疆 …), two characters or more."""
    tree = json.loads((DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json").read_text(encoding="utf-8"))
    names = {n["name"] for p in tree for n in [p, *p.get("children", [])]}
    short = {n.removesuffix("市").removesuffix("省").removesuffix("自治区").removesuffix("地区") for n in names}
    return {n for n in short if len(n) >= 2 and n not in ("市辖区", "市辖")}


def generate(seed: int = SEED, count: int = COUNT) -> list[dict[str, Any]]:
    """``count`` platform rows, deterministic for ``seed``."""
    rng = random.Random(seed)
    vocab = _vocabulary()
    fields = _second_level_fields()
    pool = hosts()
    universities = [h for h in pool if h[1] is not None]
    cas = [h for h in pool if h[1] is None]
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    while len(rows) < count:
        host, province = rng.choice(universities if rng.random() < 0.65 else cas)
        kind = rng.choice(PLATFORM_KINDS)
        top = rng.choice(sorted(EQUIPMENT_BY_TOP))
        code, field_name = rng.choice(fields[top])
        name = f"{host}{field_name}{_SUFFIX[kind]}"
        if name in names:
            continue
        names.add(name)
        service_kinds = vocab["kind_services"][kind]
        services = sorted({rng.choice(TESTING_BY_TOP[top] if k == "检验检测" else vocab["services"][k])
                           for k in service_kinds for _ in range(2)})
        equipment = sorted(set(rng.sample(EQUIPMENT_BY_TOP[top], k=min(len(EQUIPMENT_BY_TOP[top]), rng.randint(3, 6)))))
        row: dict[str, Any] = {
            "id": f"platform:syn-{len(rows) + 1:03d}", "name": name, "kind": kind, "host": host,
            "level": rng.choice(_LEVELS), "services": services, "equipment": equipment,
            "description": f"依托{host}建设，面向{field_name}领域企业提供{'、'.join(services[:3])}等服务。",
            "contact": "平台服务办公室", "source": "synthetic",
        }
        if kind == "公共技术服务平台" and province in ZONES:
            row["zone"], row["region"] = ZONES[province]
        elif host in CAS_CITIES:
            row["region"] = CAS_CITIES[host]
        second = rng.choice(fields[top])[0]
        row["fields"] = {f"ht2016:{code}": 1.0, **({f"ht2016:{second}": 0.5} if second != code else {})}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> Path:
    """Write ``data/platforms/platforms.jsonl``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--out", type=Path, default=PLATFORM_DIR / "platforms.jsonl")
    args = parser.parse_args(argv)
    rows = generate(args.seed, args.count)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return args.out


if __name__ == "__main__":
    main()
