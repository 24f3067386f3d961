"""What the synthetic demo is made of: the hand-written vocabulary of ``data/synthetic/`` and the real inputs.

The vocabulary is data (``data/synthetic/*.json``, described in its SOURCE.md): the topics
(one or two per first-level field of 国家重点支持的高新技术领域: which patents seed them,
which industries have their problems), the kinds of problem (angle sets) and how each is
worded, the sentence frames, and the parts of enterprise names. The real inputs are the
shipped Chinese patent titles (``data/patents/patents.csv``) with their IPC subclasses, the
IPC → 高新技术领域 crosswalk (``data/crosswalk``), the GB/T 2260 regions and the places of the
shipped NSFC projects' institutions. This module reads both once and answers the generator's
questions about them: which patents can seed a topic, which phrases and terms of a patent
title a demand can use, which fields the patent (and so the demand) is in, where enterprises are.

Templates are plain text with three kinds of slot, filled by :func:`fill`:
``{10-30}`` a whole number drawn from the range (``{0.5-2.5}`` keeps the decimals the
bounds have; from 100 up, two significant digits; a trailing ``*``, as in ``{2-12*}``,
scales it by the enterprise's size), ``{冬季|雨季}`` one of the alternatives, and
``{product}`` a named value.
"""

from __future__ import annotations

import csv
import functools
import json
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.crosswalk import get_crosswalk
from ingest.resolve import DATA_ROOT, UNIVERSITIES_FILE, normalize_org, province_short

__all__ = [
    "VOCAB_DIR",
    "PATENTS_FILE",
    "MAX_FIELDS",
    "SLOT_NAMES",
    "Industry",
    "Angle",
    "Topic",
    "Patent",
    "City",
    "topics",
    "wording",
    "names",
    "fill",
    "pick",
    "patents",
    "patent_fields",
    "cities",
    "province_weights",
    "pool",
    "Grounding",
    "grounding",
    "title_terms",
    "patent_phrases",
]

VOCAB_DIR = DATA_ROOT / "synthetic"
_TOPIC_FILE = "topics.json"
_ANGLE_FILE = "angles.json"
PATENTS_FILE = DATA_ROOT / "patents" / "patents.csv"
_C_FILE = DATA_ROOT / "nsfc" / "nsfc_C_projects.csv"
_G_FILE = DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv"
_REGIONS_FILE = DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json"
SLOT_NAMES = ("metric", "condition", "defect", "process")
"""The topic words an angle's templates can name: one of each is drawn per demand, so that a symptom and its
target speak of the same indicator, and the same angle reads differently in different topics."""
MAX_FIELDS = 3
"""A patent with more crosswalk fields than this (e.g. G06Q business methods, 5–8 fields) seeds no demand:
its demand would ask for everything."""
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


# -- vocabulary --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Industry:
    """Who has a topic's problems: an industry, how such an enterprise is named and what it makes."""

    code: str  # GB/T 4754-2011, with its section letter
    word: str  # 行业词 of the enterprise name
    business: str
    products: tuple[str, ...]  # short nouns, usable in titles
    facts: tuple[str, ...]  # templates of the enterprise's own figures (capacity, lines, customers…)
    focus: tuple[str, ...]  # words of the patent titles that suit this industry best (empty: any on-topic patent)
    angles: tuple[int, ...]  # 1-based angles of the topic this industry has (empty: all)
    weight: float = 1.0  # relative share of the topic's enterprises in this industry


@dataclass(frozen=True)
class Angle:
    """One kind of problem, with alternative wordings of each part (templates)."""

    stage: str
    tails: tuple[str, ...]  # title endings
    problems: tuple[str, ...]  # symptoms, with figures
    tried: tuple[str, ...]  # what the enterprise already tried
    works: tuple[str, ...]  # the research it asks for
    goals: tuple[str, ...]  # the target of each symptom (goals[i] answers problems[i])


@dataclass(frozen=True)
class Topic:
    """One field of problems: which patents seed it, who has it, and how it is worded."""

    name: str
    side: str  # which wording of ``wording.json`` "side": "T" (products and processes) or "S" (software and services)
    level1: str  # the ht2016 first-level field it belongs to (10 … 80)
    ht: tuple[str, ...]  # ht2016 second-level codes: a patent whose main crosswalk field is one of them can seed it
    triggers: tuple[str, ...]  # technical terms: a patent is on topic when its title contains one
    industries: tuple[Industry, ...]
    angles: tuple[Angle, ...]
    resources: tuple[str, ...]
    slots: Mapping[str, tuple[str, ...]]  # the topic's own words for the angles' {metric}, {condition}, {defect}, {process}
    weight: float = 1.0  # share of enterprises
    provinces: tuple[str, ...] = ()  # short names of provinces where this business is common
    excludes: tuple[str, ...] = ()  # a patent whose title contains one is off topic


def _read_json(name: str) -> Any:
    return json.loads((VOCAB_DIR / name).read_text(encoding="utf-8"))


def _angle(raw: Mapping[str, Any], where: str) -> Angle:
    angle = Angle(raw["stage"], tuple(raw["tails"]), tuple(raw["problems"]), tuple(raw.get("tried", ())),
                  tuple(raw["works"]), tuple(raw["goals"]))
    if len(angle.goals) != len(angle.problems) or not angle.problems:
        raise ValueError(f"data/synthetic: angle {angle.stage} of {where} needs one goal per problem")
    return angle


def _topic(raw: Mapping[str, Any], sets: Mapping[str, Any]) -> Topic:
    unknown = [name for name in raw["angle_sets"] if name not in sets]
    if unknown:
        raise ValueError(f"data/synthetic: topic {raw['name']}: unknown angle set(s) {unknown}")
    angles = tuple(_angle(a, f"set {name}") for name in raw["angle_sets"] for a in sets[name])
    industries = tuple(Industry(i["code"], i["word"], i["business"], tuple(i["products"]), tuple(i.get("facts", ())),
                                tuple(i.get("focus", ())), tuple(i.get("angles", ())), float(i.get("weight", 1.0)))
                       for i in raw["industries"])
    for industry in industries:
        if not industry.products or any(not 0 < a <= len(angles) for a in industry.angles) or industry.weight <= 0:
            raise ValueError(f"data/synthetic: industry {industry.code} of topic {raw['name']}: "
                             f"no products, an angle number outside 1..{len(angles)}, or a weight ≤ 0")
    slots = {name: tuple(words) for name, words in raw["slots"].items()}
    if set(slots) != set(SLOT_NAMES) or not all(slots.values()):
        raise ValueError(f"data/synthetic: topic {raw['name']} needs words for each of {', '.join(SLOT_NAMES)}")
    return Topic(raw["name"], raw["side"], raw["level1"], tuple(raw["ht"]), tuple(raw["triggers"]), industries, angles,
                 tuple(raw["resources"]), slots, float(raw.get("weight", 1.0)), tuple(raw.get("provinces", ())),
                 tuple(raw.get("excludes", ())))


@functools.cache
def topics() -> tuple[Topic, ...]:
    """The topics of ``data/synthetic/topics.json`` with their angle sets resolved (their order is part of the seed)."""
    sets = _read_json(_ANGLE_FILE)
    return tuple(_topic(raw, sets) for raw in _read_json(_TOPIC_FILE))


@functools.cache
def wording() -> dict[str, Any]:
    """The sentence frames of ``data/synthetic/wording.json`` (intro, problem, ask, goal, extras, titles…)."""
    return _read_json("wording.json")


@functools.cache
def names() -> dict[str, Any]:
    """The parts of fictitious names of ``data/synthetic/names.json`` (字号 characters, surnames…)."""
    return _read_json("names.json")


def pick(rng: random.Random, items: Sequence[Any]) -> Any:
    """One item of ``items`` (one draw of ``rng``)."""
    return items[rng.randrange(len(items))]


_RANGE = re.compile(r"\{(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)(\*?)\}")
_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")


def _number(rng: random.Random, low: str, high: str, scaled: bool, scale: float) -> str:
    """A number drawn from ``low``–``high`` as an enterprise would write it: with the bounds' decimals,
    or, from 100 up, rounded to two significant digits (约2900吨, not 约2856吨)."""
    decimals = max(len(b.partition(".")[2]) for b in (low, high))
    value = rng.uniform(float(low), float(high)) if decimals else float(rng.randint(int(low), int(high)))
    if scaled:
        value *= scale
        decimals = 0 if value >= 10 else 1
    if value >= 100:
        value, decimals = float(round(value, 2 - len(str(int(value))))), 0
    text = f"{value:.{decimals}f}"
    return text[:-2] if text.endswith(".0") else text


def fill(template: str, rng: random.Random, slots: Mapping[str, Any], *, scale: float = 1.0) -> str:
    """``template`` with its alternatives chosen, its ranges drawn and its named slots filled.

    >>> fill("{冬季|冬季}氨氮{12-12}mg/L，产能{2-2*}万吨，{2856-2856}吨{product}", random.Random(1), {"product": "菌剂"}, scale=0.5)
    '冬季氨氮12mg/L，产能1万吨，2900吨菌剂'
    """
    text = _CHOICE.sub(lambda m: pick(rng, m.group(1).split("|")), template)
    text = _RANGE.sub(lambda m: _number(rng, m.group(1), m.group(2), bool(m.group(3)), scale), text)
    return text.format_map(slots)


# -- real inputs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Patent:
    """A real patent as a demand can use it: its title and its 高新技术领域 fields through the crosswalk."""

    number: str  # publication number
    title: str
    fields: tuple[tuple[str, float], ...]  # (ht2016 second-level code, weight), main field first


@dataclass(frozen=True)
class City:
    """A city-level region of GB/T 2260."""

    code: str  # 6-digit city-level code
    name: str  # 杭州市; a municipality's own name (北京市)
    short: str  # 杭州 / 北京
    place: str  # 浙江省杭州市 / 北京市
    province: str  # 2-digit code
    counties: tuple[str, ...]  # codes for the credit code's registration area


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def patent_fields(subclasses: Sequence[str]) -> tuple[tuple[str, float], ...]:
    """The ht2016 second-level fields of a patent's IPC subclasses, as the patent importer links them
    (:func:`ingest.patents.patent_ops`): each target once at its best weight, the first subclass's main
    target first, the others in code order."""
    cw = get_crosswalk()
    best: dict[str, float] = {}
    for sub in subclasses:
        for target, weight in cw.targets("ipc", sub):
            best[target] = max(best.get(target, 0.0), weight)
    if not best:
        return ()
    main = max(best, key=lambda t: (best[t], -list(best).index(t)))
    return ((main, best[main]), *sorted((t, w) for t, w in best.items() if t != main))


@functools.cache
def patents() -> tuple[Patent, ...]:
    """The shipped patents that map to at least one 高新技术领域 (file order)."""
    found = []
    for row in _read_csv(PATENTS_FILE):
        subclasses = [s.strip().upper() for s in row["ipc_subclasses"].split("|") if s.strip()]
        fields = patent_fields(subclasses)
        if fields:
            found.append(Patent(row["publication_number"].strip(), row["title"].strip(), fields))
    return tuple(found)


@functools.cache
def _institutions() -> tuple[str, ...]:
    """The institution of every shipped NSFC project (both lists): where research is done, for regions."""
    return tuple(r["institution"] for r in _read_csv(_C_FILE)) + tuple(r["依托单位"] for r in _read_csv(_G_FILE))


@functools.cache
def cities() -> tuple[City, ...]:
    """City-level regions of GB/T 2260 whose names end in 市 (municipalities by their 市辖区)."""
    found = []
    for province in json.loads(_REGIONS_FILE.read_text(encoding="utf-8")):
        for city in province.get("children", []):
            counties = tuple(c["code"] for c in city.get("children", []) if len(c["code"]) == 6)
            if city["name"] == "市辖区":
                name, short, place = province["name"], province_short(province["name"]), province["name"]
            elif city["name"] in _PLACEHOLDERS or not city["name"].endswith("市"):
                continue
            else:
                name, short, place = city["name"], city["name"][:-1], province["name"] + city["name"]
            found.append(City(city["code"].ljust(6, "0"), name, short, place, province["code"],
                              counties or (city["code"].ljust(6, "0"),)))
    return tuple(found)


@functools.cache
def province_weights() -> dict[str, float]:
    """Province code → weight: projects whose institution is there (universities list, else a place in the name)."""
    regions = json.loads(_REGIONS_FILE.read_text(encoding="utf-8"))
    by_short = {province_short(p["name"]): p["code"] for p in regions}
    universities = {normalize_org(name): by_short.get(province, "")
                    for province, group in json.loads(UNIVERSITIES_FILE.read_text(encoding="utf-8")).items()
                    for name in group.get("all", [])}
    places: dict[str, str] = {}
    for p in regions:
        for city in p.get("children", []):
            if city["name"] not in _PLACEHOLDERS and len(city["name"]) > 2:
                places.setdefault(re.sub(r"(市|地区|盟)$", "", city["name"]), p["code"])
        places[p["name"]] = places[province_short(p["name"])] = p["code"]
    for ambiguous in ("中山", "朝阳"):  # Sun Yat-sen, and a Beijing district
        places.pop(ambiguous, None)
    pattern = re.compile("|".join(sorted(map(re.escape, places), key=len, reverse=True)))
    counts: Counter[str] = Counter()
    for raw in _institutions():
        name = normalize_org(raw)
        code = next((universities[name[:k]] for k in range(len(name), 3, -1) if name[:k] in universities), None)
        if code is None and (found := pattern.search(name)):
            code = places[found.group()]
        if code:
            counts[code] += 1
    return {code: n ** 0.6 for code, n in sorted(counts.items())}


@functools.cache
def pool(topic_index: int, industry_code: str = "") -> tuple[Patent, ...]:
    """The patents that can seed demands of a topic (file order): main field among the topic's, a topic
    term in the title, and at least two usable keywords; with an industry, those naming one of its focus
    words, unless fewer than five do."""
    topic = topics()[topic_index]
    if industry_code:
        focus = next(i.focus for i in topic.industries if i.code == industry_code)
        found = tuple(p for p in pool(topic_index) if any(f in p.title for f in focus))
        return found if len(found) >= 5 else pool(topic_index)
    return tuple(p for p in patents() if p.fields[0][0] in topic.ht and len(p.fields) <= MAX_FIELDS
                 and not any(x in p.title for x in topic.excludes) and title_terms(p.title, topic)
                 and len(_candidates(p, topic)) >= 2)


def title_terms(title: str, topic: Topic) -> list[str]:
    """The topic terms a title contains, in title order (the longest at a place)."""
    hits = sorted((title.find(t), -len(t), t) for t in topic.triggers if t in title)
    terms: list[str] = []
    for _, _, term in hits:
        if not any(term in kept or kept in term for kept in terms):
            terms.append(term)
    return terms


# Where a patent title's phrases end, and the endings that say "a method of" rather than what it is about.
_PATENT_BREAK = re.compile(r"[、，,；;：:（）()《》“”\s/]|及其|以及|及|和|与|或|的|基于|用于|具有|采用|通过|一种|一类|一套|在")
# A part that says how it is used or what it is like, not what it is (便于携带, 粉碎效果好, 面向…).
_MODIFIER_PART = re.compile(r"^(便于|方便|易于|能够|可|面向|适用|适于|制备|生产|处理|实现|多种|一体|带有|含有|防止|提高|降低)|"
                            r"(效果好|好的|性能好|方便|用|型)$")
_PATENT_TAIL = re.compile(r"(制备|生产|制作|加工|使用|应用|工作|控制|实现|操作|处理|检测)?(方法|工艺|流程)$")
_GENERIC_PART = re.compile(r"^(装置|设备|系统|结构|组件|介质|存储介质|计算机可读存储介质|可读存储介质|电子设备|计算机设备|终端|"
                           r"程序|产品|应用|功能|单元|模块|平台|机构|机器人|服务器|计算机|专用|一体化|智能|新型|"
                           r"计算机程序产品|电子装置)$|计算机可读|存储介质|程序产品")
_PHRASE_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")


def patent_phrases(title: str) -> list[str]:
    """The noun phrases of a patent title, 3–12 characters, in title order; "a method of" endings and
    generic parts (装置, 系统, 存储介质…) left out.

    >>> patent_phrases("一种节能环保医院污水处理装置")
    ['节能环保医院污水处理装置']
    >>> patent_phrases("基于层次聚合和区块链的联邦学习隐私保护系统及方法")
    ['层次聚合', '区块链', '联邦学习隐私保护系统']
    """
    found: list[str] = []
    for part in _PATENT_BREAK.split(title):
        part = _PATENT_TAIL.sub("", part.strip())
        if (3 <= len(part) <= 12 and _PHRASE_CHARS.fullmatch(part) and re.search(r"[\u4e00-\u9fff]{2}", part)
                and not _GENERIC_PART.search(part) and not _MODIFIER_PART.search(part) and part not in found):
            found.append(part)
    return found


def _candidates(patent: Patent, topic: Topic) -> list[str]:
    """A patent's usable keywords: its phrases (the last one, the title's head, first), then the topic terms
    of its title that no phrase already contains."""
    phrases = patent_phrases(patent.title)
    head = next((p for p in reversed(phrases) if len(p) >= 5), phrases[-1]) if phrases else ""
    phrases = [head, *(p for p in phrases if p != head)] if head else []
    usable = [t for t in title_terms(patent.title, topic) if len(t) >= 2 and t not in _VAGUE_TERMS]
    terms = [t for t in usable if not any(t in p for p in phrases)]
    inside = [t for t in usable if t not in terms]
    return list(dict.fromkeys(phrases[:2] + terms + inside + phrases[2:]))


_VAGUE_TERMS = frozenset({"数据", "材料", "服务", "平台", "管理", "控制", "自动", "加工", "网络", "电子", "检测", "监测",
                          "识别", "安全", "设计", "智慧", "模型", "城市", "通信", "环保", "信号", "存储", "预测", "调度",
                          "定位", "仿真", "客户", "订单", "交易", "能源", "电力", "测量", "传感", "输送", "包装", "回收"})
"""Topic terms that say a patent is on topic but are too vague to be a demand's keyword on their own."""


@dataclass(frozen=True)
class Grounding:
    """What a demand takes from the real patent that seeds it."""

    keywords: tuple[str, ...]  # 2–3: phrases and topic terms of its title
    key: str  # the phrase that leads its title and wording: the title's head
    phrase: str  # another phrase of the patent title, or ""


def grounding(patent: Patent, topic: Topic, *, focus: Sequence[str] = (), n: int = 2) -> Grounding:
    """The ``n`` (2 or 3) keywords a demand seeded by ``patent`` carries, the one that leads (the title's
    head phrase, else the first that names a focus word), and one more title phrase."""
    candidates = _candidates(patent, topic)
    keywords = candidates[:n]
    key = next((k for k in keywords if any(f in k for f in focus)), keywords[0]) if focus else keywords[0]
    phrases = [p for p in patent_phrases(patent.title) if p not in keywords and not any(p in k for k in keywords)]
    return Grounding(tuple(keywords), key, phrases[0] if phrases else "")
