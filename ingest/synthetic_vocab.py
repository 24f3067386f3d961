"""What the synthetic demo is made of: the hand-written vocabulary of ``data/synthetic/`` and the real inputs.

The vocabulary is data (``data/synthetic/*.json``, described in its SOURCE.md): the topics
(which NSFC projects seed them, which industries have their problems, how each kind of
problem is worded), the sentence frames, and the parts of enterprise names. The real
inputs are the shipped NSFC project lists and GB/T 2260 regions. This module reads both
once and answers the generator's questions about them: which projects can seed a topic,
which of a project's keywords or title phrases a demand can use, where enterprises are.

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

from ingest.resolve import DATA_ROOT, UNIVERSITIES_FILE, normalize_org, province_short

__all__ = [
    "VOCAB_DIR",
    "Industry",
    "Angle",
    "Topic",
    "Project",
    "City",
    "topics",
    "wording",
    "names",
    "fill",
    "pick",
    "projects",
    "cities",
    "province_weights",
    "pool",
    "Grounding",
    "grounding",
    "project_keywords",
    "title_terms",
    "title_phrases",
]

VOCAB_DIR = DATA_ROOT / "synthetic"
_TOPIC_FILES = ("topics_life.json", "topics_management.json")
_C_FILE = DATA_ROOT / "nsfc" / "nsfc_C_projects.csv"
_G_FILE = DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv"
_REGIONS_FILE = DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json"
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


# -- vocabulary --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Industry:
    """Who has a topic's problems: an industry, how such an enterprise is named and what it makes."""

    code: str  # GB/T 4754-2011, with its section letter
    word: str  # 行业词 of the enterprise name
    business: str
    products: tuple[str, ...]  # short nouns, usable in titles
    facts: tuple[str, ...]  # templates of the enterprise's own figures (capacity, herd, fleet…)
    focus: tuple[str, ...]  # terms of the projects that suit this industry best (empty: any on-topic project)
    angles: tuple[int, ...]  # 1-based angles of the topic this industry has (empty: all)


@dataclass(frozen=True)
class Angle:
    """One kind of problem of a topic, with alternative wordings of each part (templates)."""

    stage: str
    tails: tuple[str, ...]  # title endings
    problems: tuple[str, ...]  # symptoms, with figures
    tried: tuple[str, ...]  # what the enterprise already tried
    works: tuple[str, ...]  # the research it asks for
    goals: tuple[str, ...]  # the target of each symptom (goals[i] answers problems[i])


@dataclass(frozen=True)
class Topic:
    """One field of problems: which projects seed it, who has it, and how it is worded."""

    name: str
    side: str  # "C": life-science project codes; "G": management-science titles
    codes: tuple[str, ...]  # C: application-code prefixes; G: pre-2020 nsfc codes (first = main)
    triggers: tuple[str, ...]  # a project is on topic when its title or keywords contain one
    industries: tuple[Industry, ...]
    angles: tuple[Angle, ...]
    ht: tuple[str, ...]  # ht2016 codes of the secondary field
    resources: tuple[str, ...]
    weight: float = 1.0  # share of enterprises
    provinces: tuple[str, ...] = ()  # short names of provinces where this business is common
    excludes: tuple[str, ...] = ()  # a project whose title contains one is off topic


def _read_json(name: str) -> Any:
    return json.loads((VOCAB_DIR / name).read_text(encoding="utf-8"))


def _topic(raw: Mapping[str, Any]) -> Topic:
    angles = tuple(Angle(a["stage"], tuple(a["tails"]), tuple(a["problems"]), tuple(a.get("tried", ())),
                         tuple(a["works"]), tuple(a["goals"])) for a in raw["angles"])
    industries = tuple(Industry(i["code"], i["word"], i["business"], tuple(i["products"]), tuple(i.get("facts", ())),
                                tuple(i.get("focus", ())), tuple(i.get("angles", ()))) for i in raw["industries"])
    for industry in industries:
        if not industry.products or any(not 0 < a <= len(angles) for a in industry.angles):
            raise ValueError(f"data/synthetic: industry {industry.code} of topic {raw['name']}: "
                             f"no products, or an angle number outside 1..{len(angles)}")
    for angle in angles:
        if len(angle.goals) != len(angle.problems) or not angle.problems:
            raise ValueError(f"data/synthetic: angle {angle.stage} of topic {raw['name']} needs one goal per problem")
    return Topic(raw["name"], raw["side"], tuple(raw["codes"]), tuple(raw["triggers"]), industries, angles,
                 tuple(raw.get("ht", ())), tuple(raw["resources"]), float(raw.get("weight", 1.0)),
                 tuple(raw.get("provinces", ())), tuple(raw.get("excludes", ())))


@functools.cache
def topics() -> tuple[Topic, ...]:
    """The topics of ``data/synthetic/topics_*.json``, life sciences first (their order is part of the seed)."""
    return tuple(_topic(raw) for name in _TOPIC_FILES for raw in _read_json(name))


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
class Project:
    """A real NSFC project as a demand can use it."""

    title: str
    code: str  # application code; "" for the management list
    keywords: tuple[str, ...]


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


@functools.cache
def projects() -> tuple[tuple[Project, ...], tuple[Project, ...], tuple[str, ...]]:
    """Life-science projects, management projects, and the institution of every project (both lists)."""
    life = tuple(Project(r["title"].strip(), r["application_code"].strip(),
                         tuple(k.strip() for k in re.split(r"[;；]", r["keywords"]) if k.strip()))
                 for r in _read_csv(_C_FILE))
    management = tuple(Project(r["项目名称"].strip(), "", ()) for r in _read_csv(_G_FILE))
    institutions = tuple(r["institution"] for r in _read_csv(_C_FILE)) + tuple(r["依托单位"] for r in _read_csv(_G_FILE))
    return life, management, institutions


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
    for raw in projects()[2]:
        name = normalize_org(raw)
        code = next((universities[name[:k]] for k in range(len(name), 3, -1) if name[:k] in universities), None)
        if code is None and (found := pattern.search(name)):
            code = places[found.group()]
        if code:
            counts[code] += 1
    return {code: n ** 0.6 for code, n in sorted(counts.items())}


@functools.cache
def pool(topic_index: int, industry_code: str = "") -> tuple[Project, ...]:
    """The projects that can seed demands of a topic (file order); with an industry, those naming one
    of its focus terms, unless fewer than five do."""
    topic = topics()[topic_index]
    if industry_code:
        focus = next(i.focus for i in topic.industries if i.code == industry_code)
        found = tuple(p for p in pool(topic_index) if any(f in p.title or f in "".join(p.keywords) for f in focus))
        return found if len(found) >= 5 else pool(topic_index)
    life, management, _ = projects()
    if topic.side == "C":
        candidates = [p for p in life if p.code.startswith(topic.codes) and len(project_keywords(p, topic)) >= 2]
    else:  # two topic terms say it is on topic; a key phrase says what it is about
        candidates = [p for p in management if len(title_terms(p.title, topic)) >= 2 and title_phrases(p.title, topic)]
    return tuple(p for p in candidates if not any(x in p.title for x in topic.excludes))


_UNUSABLE_KEYWORD = re.compile(r"拟南芥|斑马鱼|果蝇|小鼠|大鼠|秀丽|机制|机理|进化|演化|系统发育|分类|新种|起源|模式|功能|结构|调控|表达|[和与及的]")
_KEYWORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,10}")


def project_keywords(project: Project, topic: Topic, focus: Sequence[str] = ()) -> list[str]:
    """A life-science project's keywords as a demand can use them: those naming a focus term, then
    those naming the topic, then one more (none at all when no keyword names the topic). Phrases,
    lab-only terms and excluded terms are left out."""
    usable = [k for k in project.keywords if _KEYWORD.fullmatch(k) and re.search(r"[\u4e00-\u9fff]", k)
              and not _UNUSABLE_KEYWORD.search(k) and not any(x in k for x in topic.excludes)]
    on = [k for k in usable if any(t in k for t in topic.triggers)]
    on.sort(key=lambda k: not any(f in k for f in focus))  # stable: focus terms first
    return on + [k for k in usable if k not in on][:1] if on else []


def title_terms(title: str, topic: Topic) -> list[str]:
    """The topic terms a management project's title contains, in title order (the longest at a place)."""
    hits = sorted((title.find(t), -len(t), t) for t in topic.triggers if t in title)
    terms: list[str] = []
    for _, _, term in hits:
        if not any(term in kept or kept in term for kept in terms):
            terms.append(term)
    return terms


# Where a title phrase ends, and the words that say nothing about a problem at its ends.
_PHRASE_BREAK = re.compile(r"[的与和及、，,：:—\-－“”‘’（）()《》\s]|基于|考虑|面向|视角下|背景下|条件下|环境下|情境下|下的|中的|对")
_PHRASE_HEAD = re.compile(r"^(我国|中国|新常态下|企业|若干|一类|一种|关于|其|在|对|从|向|为|由|不确定性?|随机|动态)+")
_GENERIC_PHRASE = re.compile(r"为例|影响|效果|作用|实证|比较|探讨|视角|背景|条件|时代|新型|若干|一种|省|市")
_PHRASE_TAIL = re.compile(r"(研究|问题|机制|机理|理论|方法|模型|分析|及其|对策|策略|影响|作用|因素|效应|实证|探索|应用|体系|框架|路径)+$")


def title_phrases(title: str, topic: Topic) -> list[str]:
    """Distinctive phrases of a management project's title: the stretches between function words,
    without generic ends, 3–8 characters, that are not just topic terms; longest first.

    >>> title_phrases("鲜活农产品冷链物流配送的干扰管理模型研究", topics()[12])
    ['鲜活农产品冷链', '干扰管理']
    """
    found: list[str] = []
    for part in _PHRASE_BREAK.split(title):
        part = _PHRASE_TAIL.sub("", _PHRASE_HEAD.sub("", part))
        if len(part) > 8:  # a long stretch: keep its head up to the first topic term after it
            part = _trim_long(part, topic)
        if (3 <= len(part) <= 8 and part not in found and not _only_terms(part, topic)
                and re.fullmatch(r"[\u4e00-\u9fff]+", part) and not _GENERIC_PHRASE.search(part)):
            found.append(part)
    return sorted(found, key=lambda p: (-len(p), title.find(p)))


def _only_terms(part: str, topic: Topic) -> bool:
    rest = part
    for term in sorted(topic.triggers, key=len, reverse=True):
        rest = rest.replace(term, "")
    return len(rest) < 2


def _trim_long(part: str, topic: Topic) -> str:
    """A long title stretch cut after the topic term that ends closest to 8 characters."""
    ends = sorted({part.find(t) + len(t) for t in topic.triggers if 0 <= part.find(t) and part.find(t) + len(t) <= 8})
    return part[:ends[-1]] if ends else part[:0]


@functools.cache
def _keyword_counts() -> Counter[str]:
    """How many life-science projects carry each keyword."""
    return Counter(k for p in projects()[0] for k in set(p.keywords))


@dataclass(frozen=True)
class Grounding:
    """What a demand takes from the real project that seeds it."""

    keywords: tuple[str, ...]  # 2–3: the project's own keywords, or key phrases and topic terms of its title
    key: str  # the keyword that leads its title and wording
    phrase: str  # another phrase of the project's title, or ""


def grounding(project: Project, topic: Topic, *, focus: Sequence[str] = (), n: int = 2) -> Grounding:
    """The ``n`` (2 or 3) keywords a demand seeded by ``project`` carries, the one that leads, and one more
    title phrase. Life sciences: the project's keywords (:func:`project_keywords`), led by the rarest
    on-topic one. Management: the title's key phrases, then its topic terms, led by the first."""
    if topic.side == "C":
        keywords = project_keywords(project, topic, focus)[:n]
        on_topic = [k for k in keywords if any(t in k for t in topic.triggers)] or keywords
        key = min(on_topic, key=lambda k: _keyword_counts()[k])
        phrases = [p for p in title_phrases(project.title, topic) if not any(k in p or p in k for k in keywords)]
    else:
        found = title_phrases(project.title, topic)
        keywords = (found[: n - 1] + title_terms(project.title, topic))[:n]
        key = keywords[0]
        phrases = [p for p in found if p not in keywords]
    return Grounding(tuple(keywords), key, phrases[0] if phrases else "")
