"""Synthetic enterprises and technology demands for the demo, grounded in real patent titles.

There is no public dataset of enterprise technology demands, so the demo's enterprises
and demands are generated here, deterministically from a seed, and every row carries
``"source": "synthetic"``. The rows are in the import format of :mod:`ingest.mapping`
(JSON lines with the canonical English keys), so ``kgmatch load demo`` reads them with
the ordinary importers. What is real:

* the field mix: topics follow the first-level fields of 国家重点支持的高新技术领域 (2016)
  that technology SMEs ask about (electronics and software, advanced manufacturing, new
  materials, new energy, environment, bio-medicine, agriculture and food, high-tech
  services, a little aerospace), weighted by hand (``data/synthetic/topics.json``);
* each demand is seeded by one real Chinese patent of ``data/patents/patents.csv`` whose
  main 高新技术领域 field (its IPC subclasses through ``data/crosswalk``) is one of the
  topic's and whose title names one of its terms: 2–3 phrases and terms of the title are
  the demand's keywords and technical problem, and the patent's crosswalk fields are the
  demand's fields (``ht2016:<code>``, main 1.0, secondary 0.6), so that the demand asks
  for what its text is about;
* industries are GB/T 4754-2011 classes chosen per topic; regions are GB/T 2260 cities,
  drawn in proportion to where the NSFC projects' institutions are (the shipped
  universities list, else a place name inside the institution's name), with a bias per
  topic (electronics in Guangdong and Jiangsu…).

What is fictitious: enterprise names (地名 + 字号 + 行业词 + 有限公司), unified social credit
codes (well-formed with GB 32100 / GB 11714 check characters, but invented), contacts
(a surname and a title, no phone or e-mail), sizes, revenues, budgets, figures, dates and
statuses. The wording is hand-written vocabulary in ``data/synthetic/`` (see
:mod:`ingest.synthetic_vocab` and :mod:`ingest.synthetic_text`); no patent title is copied.

Each demand states its own concrete problem (its patent's terms, its enterprise's product
and figures, a symptom, target and history drawn from several wordings with their own
numbers), so the demands are not near duplicates of each other, except a few deliberate
reposts: one per :data:`REPOST_EVERY` demands, an unanswered demand posted again in other
words after its deadline, by the same enterprise or, jointly, by another of its industry.
:func:`generate` lists them, and ``data/demo/SOURCE.md`` names them.

``python -m ingest.synthetic`` rewrites ``data/demo/enterprises.jsonl``,
``data/demo/demands.jsonl`` and ``data/demo/SOURCE.md``; one seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import json
import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ingest.resolve import DATA_ROOT
from ingest.synthetic_text import Brief, Spread, draft, since, write_description, write_title
from ingest.synthetic_vocab import (
    City,
    Industry,
    Patent,
    cities,
    fill,
    grounding,
    names,
    pick,
    pool,
    province_weights,
    topics,
    wording,
)

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_ENTERPRISES",
    "DEFAULT_DEMANDS",
    "REPOST_EVERY",
    "OUT_DIR",
    "STATUSES",
    "generate",
    "write_demo",
    "credit_code",
    "credit_code_ok",
    "main",
]

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261127
DEFAULT_ENTERPRISES = 150
DEFAULT_DEMANDS = 400
REPOST_EVERY = 50
"""One deliberate repost per this many demands (8 of the default 400)."""
OUT_DIR = DATA_ROOT / "demo"
STATUSES = ("待对接", "对接中", "已解决")
"""Demand statuses the generator uses (the importer's default is 待对接)."""

_SOURCE = "synthetic"
_FIRST_DAY, _LAST_DAY = datetime.date(2024, 1, 1), datetime.date(2026, 10, 31)


class _Scale(NamedTuple):
    share: float
    employees: tuple[int, int]
    revenue_wan: tuple[int, int]
    budgets_wan: tuple[int, ...]
    size: float  # multiplies the enterprise's figures marked ``*`` in the vocabulary
    demands: float  # relative number of demands it posts


_SCALES = {"小微": _Scale(0.25, (8, 50), (200, 3000), (5, 8, 10, 15, 20, 30), 0.15, 1.0),
           "小型": _Scale(0.35, (30, 200), (1000, 10000), (10, 15, 20, 30, 50, 60), 0.4, 1.5),
           "中型": _Scale(0.3, (200, 1000), (10000, 80000), (30, 50, 80, 100, 120, 150, 200), 1.0, 2.5),
           "大型": _Scale(0.1, (1000, 6000), (80000, 600000), (100, 150, 200, 300, 500), 3.0, 4.0)}


# -- credit codes ------------------------------------------------------------------------------
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def credit_code(area: str, body: str) -> str:
    """A unified social credit code (GB 32100) of an enterprise (登记管理部门 9, 类别 1) with both check characters.

    >>> credit_code("330106", "MA27XL0E")
    '91330106MA27XL0E9W'
    """
    base = f"91{area}{body}{_org_check(body)}"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(base, _CREDIT_WEIGHTS, strict=True))
    return base + _CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_ok(code: str) -> bool:
    """Whether both check characters of a unified social credit code are right.

    >>> credit_code_ok("91330106MA27XL0E9W"), credit_code_ok("91330106MA27XL0E9X")
    (True, False)
    """
    return len(code) == 18 and all(c in _CREDIT_CHARS for c in code) and credit_code(code[2:8], code[8:16]) == code


# -- enterprises -------------------------------------------------------------------------------
@functools.cache
def _city_weights(provinces: tuple[str, ...]) -> tuple[tuple[City, ...], tuple[float, ...]]:
    """Cities in provinces with NSFC institutions, and their weights: the province's share spread over
    its cities (the capital counts three times), four times larger in ``provinces`` (short names)."""
    weights = province_weights()
    found = tuple(c for c in cities() if c.province in weights)
    shares: Counter[str] = Counter()
    for c in found:
        shares[c.province] += 3 if c.code[2:4] == "01" else 1
    return found, tuple(weights[c.province] * (4 if any(c.place.startswith(p) for p in provinces) else 1)
                        * (3 if c.code[2:4] == "01" else 1) / shares[c.province] for c in found)


def _listing(items: Sequence[str]) -> str:
    """甲、乙和丙."""
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "和" + items[-1]


@dataclass(frozen=True)
class _Enterprise:
    """A generated enterprise: its import row and what its demands are written with."""

    row: dict[str, Any]
    topic: int  # index into topics()
    industry: Industry
    city: City
    short: str  # 字号 + 行业词, as partners name it
    products: tuple[str, ...]  # its own 2–3 of the industry's products
    facts: tuple[str, ...]  # its own figures (capacity, herd, fleet…), drawn once


def _enterprise(rng: random.Random, topic_index: int, taken: set[str]) -> _Enterprise:
    """One enterprise of a topic: name, credit code, region, industry, size and figures."""
    topic = topics()[topic_index]
    parts = names()
    found, weights = _city_weights(topic.provinces)
    city = rng.choices(found, weights=weights)[0]
    weights = [i.weight for i in topic.industries]
    # industries weighted where the topics file says so (battery makers among new-energy enterprises), else uniform
    industry = rng.choices(topic.industries, weights=weights)[0] if len(set(weights)) > 1 else pick(rng, topic.industries)
    scale = rng.choices(list(_SCALES), weights=[s.share for s in _SCALES.values()])[0]
    while True:
        brand = "".join(rng.sample(parts["brand_chars"], 2))
        suffix = "股份有限公司" if scale in ("中型", "大型") and rng.random() < 0.5 else "有限公司"
        name = (f"{city.short}{brand}{industry.word}{suffix}" if rng.random() < 0.85
                else f"{brand}（{city.short}）{industry.word}{suffix}")
        code = credit_code(pick(rng, city.counties), "MA" + "".join(rng.choice(_CREDIT_CHARS) for _ in range(6)))
        if brand not in parts["famous"] and name not in taken and code not in taken:
            taken.update((name, code))
            break
    offered = industry.products
    products = tuple(sorted(rng.sample(offered, min(len(offered), rng.choice((2, 3)))), key=offered.index))
    facts = tuple(fill(f, rng, {"product": pick(rng, products)}, scale=_SCALES[scale].size) for f in industry.facts)
    year = rng.randint(1996, 2022)
    row = {
        "id": f"ent:{code}", "name": name, "credit_code": code, "region": city.code, "industry": industry.code,
        "scale": scale, "established": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "employees": rng.randint(*_SCALES[scale].employees), "revenue_wan": round(rng.randint(*_SCALES[scale].revenue_wan), -1),
        "high_tech": rng.random() < (0.6 if scale != "小微" else 0.15),
        "description": f"{name}成立于{year}年，位于{city.place}，主要从事{industry.business}，"
                       f"主营{_listing(products)}。" + (f"{facts[0]}。" if facts else ""),
        "keywords": list(products), "contact": _contact(rng), "source": _SOURCE,
    }
    return _Enterprise(row, topic_index, industry, city, f"{brand}{industry.word}", products, facts)


def _contact(rng: random.Random) -> str:
    return f"{pick(rng, names()['surnames'])}{pick(rng, names()['person_titles'])}"


# -- demands -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Drafted:
    """A demand before its id: its row (without id), what it says, and who posted it."""

    row: dict[str, Any]
    brief: Brief
    ent: _Enterprise


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _seed_patent(rng: random.Random, ent: _Enterprise, used: set[Patent]) -> Patent:
    """An unused patent suiting the enterprise's industry, else its topic, else any of the topic."""
    for candidates in (pool(ent.topic, ent.industry.code), pool(ent.topic)):
        fresh = [p for p in candidates if p not in used]
        if fresh:
            break
    else:
        fresh = list(pool(ent.topic))
    patent = pick(rng, fresh)
    used.add(patent)
    return patent


def _angle(rng: random.Random, ent: _Enterprise, patent: Patent, terms: Sequence[str], done: set[int],
           spread: Spread) -> int:
    """One of the industry's angles: among those the enterprise has not asked about yet (all again once it
    has asked about each), the ones its topic's demands have used least, likelier the more character
    bigrams they share with the patent's title."""
    angles = topics()[ent.topic].angles
    allowed = [i - 1 for i in ent.industry.angles] or list(range(len(angles)))
    fresh = spread.least(ent.topic, [i for i in allowed if i not in done] or allowed)
    seed = _bigrams(patent.title + "".join(terms))
    scores = [len(seed & _bigrams(angles[i].stage + "".join(angles[i].tails + angles[i].works))) for i in fresh]
    chosen = rng.choices(fresh, weights=[(1 + s) ** 2 for s in scores])[0]
    done.add(chosen)
    return spread.take(ent.topic, chosen)


def _dates(rng: random.Random) -> tuple[datetime.date, datetime.date, str]:
    """Posted date, deadline and a status that is likelier 已解决 the older the demand."""
    span = (_LAST_DAY - _FIRST_DAY).days
    posted = _FIRST_DAY + datetime.timedelta(days=rng.randrange(span + 1))
    return posted, posted + datetime.timedelta(days=pick(rng, (90, 180, 270, 365, 540))), _status(rng, posted)


def _status(rng: random.Random, posted: datetime.date) -> str:
    age = (_LAST_DAY - posted).days / (_LAST_DAY - _FIRST_DAY).days
    return rng.choices(STATUSES, weights=(0.65 - 0.5 * age, 0.3, 0.05 + 0.5 * age))[0]


def _slots(rng: random.Random, ent: _Enterprise, budget: int | None) -> dict[str, Any]:
    """What the wrapper of a demand of ``ent`` says about the enterprise and the cooperation."""
    row = ent.row
    return {"business": ent.industry.business, "products": _listing(ent.products),
            "year": row["established"][:4], "kind": "国家高新技术企业" if row["high_tech"] else f"{row['scale']}企业",
            "city": ent.city.name, "city_short": ent.city.short, "employees": row["employees"],
            "months": pick(rng, (6, 12, 18, 24)), "budget": budget}


def _demand(rng: random.Random, ent: _Enterprise, patent: Patent, done: set[int], spread: Spread,
            titles: set[str]) -> _Drafted:
    """One demand of ``ent`` seeded by ``patent``, with a title not in ``titles`` (its id is set later)."""
    topic = topics()[ent.topic]
    posted, deadline, status = _dates(rng)
    grounds = grounding(patent, topic, focus=ent.industry.focus, n=rng.choice((2, 3)))
    fields = {f"ht2016:{code}": weight for code, weight in patent.fields}  # what the patent is about, no more
    angle = topic.angles[_angle(rng, ent, patent, grounds.keywords, done, spread)]
    brief = draft(rng, topic, angle, spread, keywords=grounds.keywords, key=grounds.key, phrase=grounds.phrase,
                  product=pick(rng, ent.products), facts=ent.facts, when=since(rng, posted))
    budget = pick(rng, _SCALES[ent.row["scale"]].budgets_wan) if rng.random() > 0.08 else None
    slots = _slots(rng, ent, budget)
    row = {"title": write_title(rng, brief, slots, titles), "description": write_description(rng, brief, slots),
           "enterprise": ent.row["id"], "fields": fields, "industry": ent.row["industry"], "region": ent.row["region"],
           "budget_wan": budget, "keywords": list(grounds.keywords), "contact": _contact(rng), "source": _SOURCE,
           "posted": posted.isoformat(), "deadline": deadline.isoformat(), "status": status}
    return _Drafted(row, brief, ent)


def _repost(rng: random.Random, original: _Drafted, partners: Sequence[_Enterprise], titles: set[str]) -> _Drafted:
    """``original`` posted again in other words a few weeks after its deadline passed unanswered: by its
    enterprise, or jointly by one of ``partners`` (other enterprises of its industry, else of its topic)."""
    ent = pick(rng, partners) if partners else original.ent
    first = datetime.date.fromisoformat(original.row["posted"])
    posted = datetime.date.fromisoformat(original.row["deadline"]) + datetime.timedelta(days=rng.randint(5, 45))
    original.row["status"] = "待对接"  # it found no partner, hence the repost
    notes = wording()["reposts"]["partner" if partners else "same"]
    note = fill(pick(rng, notes), rng, {"partner": original.ent.short, "date": f"{first.year}年{first.month}月"})
    budget = original.row["budget_wan"]
    slots = _slots(rng, ent, budget)
    row = {**original.row, "title": write_title(rng, original.brief, slots, titles),
           "description": write_description(rng, original.brief, slots, note=note), "enterprise": ent.row["id"],
           "industry": ent.row["industry"], "region": ent.row["region"], "contact": _contact(rng),
           "posted": posted.isoformat(), "deadline": (posted + datetime.timedelta(days=pick(rng, (90, 180)))).isoformat(),
           "status": pick(rng, STATUSES[:2])}
    return _Drafted(row, original.brief, ent)


def _apportion(weights: Sequence[float], n: int) -> list[int]:
    """``n`` indexes of ``weights``: each index once while they last, the rest in proportion to the weights
    (largest remainders), so that no topic is crowded by chance.

    >>> _apportion([1.0, 1.0, 2.0], 7)
    [0, 1, 2, 0, 1, 2, 2]
    """
    order = list(range(min(n, len(weights))))
    rest = n - len(order)
    quotas = [w * rest / sum(weights) for w in weights]
    whole = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (whole[i] - quotas[i], i))
    for i in by_remainder[: rest - sum(whole)]:
        whole[i] += 1
    return order + [i for i, k in enumerate(whole) for _ in range(k)]


def _demand_counts(rng: random.Random, enterprises: Sequence[_Enterprise], n: int) -> list[int]:
    """How many of ``n`` demands each enterprise posts: at least one each; the rest shared out to topics in
    proportion to their weights, and within a topic to its enterprises by size and by how many angles
    their industry has (so that no kind of problem is asked about much more often than the others)."""
    counts = [1] * len(enterprises)
    members: dict[int, list[int]] = {}
    for i, ent in enumerate(enterprises):
        members.setdefault(ent.topic, []).append(i)
    present = sorted(members)
    quota = Counter(_apportion([topics()[t].weight for t in present], n - len(present)))
    for k, t in enumerate(present):
        group = members[t]
        extra = max(0, 1 + quota[k] - len(group))
        weights = [_SCALES[enterprises[i].row["scale"]].demands
                   * len(enterprises[i].industry.angles or topics()[t].angles) for i in group]
        for i in rng.choices(group, weights=weights, k=extra):
            counts[i] += 1
    for i in rng.choices(range(len(enterprises)), k=n - sum(counts)):  # when some topic had more members than its quota
        counts[i] += 1
    return counts


def generate(seed: int = DEFAULT_SEED, n_enterprises: int = DEFAULT_ENTERPRISES,
             n_demands: int = DEFAULT_DEMANDS) -> dict[str, list[dict[str, Any]]]:
    """Synthetic enterprises and demands as import rows, and the deliberate reposts among the demands:
    ``{"enterprise": [...], "demand": [...], "reposts": [{"original", "repost", "by"}, ...]}``
    (``by`` is ``"same"`` enterprise or ``"partner"``).

    Deterministic: the same arguments always give equal rows. Enterprises and demands are shared
    out to topics in proportion to their weights (every topic gets an enterprise when there are
    enough); every enterprise posts at least one demand and larger ones post more; each demand is
    seeded by a different real patent while its topic has unused ones. Demand ids follow the
    posting date. One demand in :data:`REPOST_EVERY` is a deliberate repost.

    Raises:
        ValueError: no enterprise, or fewer demands than enterprises.
    """
    if n_enterprises < 1 or n_demands < n_enterprises:
        raise ValueError(f"need 1 <= n_enterprises <= n_demands, got {n_enterprises} and {n_demands}")
    rng = random.Random(seed)
    order = _apportion([t.weight for t in topics()], n_enterprises)
    rng.shuffle(order)
    taken: set[str] = set()
    enterprises = [_enterprise(rng, index, taken) for index in order]
    n_reposts = min(n_demands // REPOST_EVERY, n_demands - n_enterprises)
    counts = _demand_counts(rng, enterprises, n_demands - n_reposts)
    used: set[Patent] = set()
    titles: set[str] = set()
    drafted: list[_Drafted] = []
    spread = Spread()
    for ent, count in zip(enterprises, counts, strict=True):
        done: set[int] = set()
        drafted += [_demand(rng, ent, _seed_patent(rng, ent, used), done, spread, titles) for _ in range(count)]
    latest = (_LAST_DAY - datetime.timedelta(days=45)).isoformat()
    candidates = [k for k, d in enumerate(drafted) if d.row["deadline"] <= latest]
    pairs = []
    for n, k in enumerate(sorted(rng.sample(candidates, min(n_reposts, len(candidates))))):
        original = drafted[k]
        others = [e for e in enterprises if e.topic == original.ent.topic and e is not original.ent]
        partners = [e for e in others if e.industry.code == original.ent.industry.code] or others
        drafted.append(_repost(rng, original, partners if n % 3 == 2 else [], titles))  # every third jointly
        pairs.append((k, len(drafted) - 1))
    ranked = sorted(range(len(drafted)), key=lambda k: (drafted[k].row["posted"], drafted[k].row["enterprise"],
                                                         drafted[k].row["title"]))
    ids = {k: f"demand:syn-{number:04d}" for number, k in enumerate(ranked, start=1)}
    demands = [{"id": ids[k], **{key: v for key, v in drafted[k].row.items() if v is not None}} for k in ranked]
    reposts = [{"original": ids[a], "repost": ids[b], "by": "same" if drafted[a].ent is drafted[b].ent else "partner"}
               for a, b in sorted(pairs, key=lambda ab: ids[ab[0]])]
    return {"enterprise": [e.row for e in enterprises], "demand": demands, "reposts": reposts}


_SOURCE_NOTE = """# data/demo — synthetic enterprises and technology demands

**Everything in `enterprises.jsonl` and `demands.jsonl` is synthetic** (`"source": "synthetic"` on every row):
there is no public dataset of enterprise technology demands. The files are generated by

    python -m ingest.synthetic --seed {seed} --enterprises {n_e} --demands {n_d}

(`ingest/synthetic.py`), which rewrites them byte for byte; do not edit them by hand.

- {n_e} enterprises, {n_d} demands, posted 2024-01-01 … 2026-10-31.
- **Field mix** — what technology SMEs ask about: topics per first-level field of 国家重点支持的高新技术领域 (2016)
  (`data/taxonomies/hightech-fields-2016`), weighted by hand in `data/synthetic/topics.json` (electronics/IT and
  advanced manufacturing first; an approximation of where high-tech SMEs are, not a measured distribution).
  Demands per first-level field of their main field (20 includes agriculture and food, 206/207):

{mix}

- **Grounded in real public data shipped in `data/`:** every demand is seeded by a real Chinese patent of
  `data/patents/patents.csv` (CNIPA metadata, see its SOURCE.md) whose main 高新技术领域 field — its IPC subclasses
  through `data/crosswalk` — is one of its topic's, and whose title names one of the topic's terms. 2–3 phrases and
  terms of the patent's title are the demand's keywords and the technical problem it states; **the demand's fields
  are the patent's crosswalk fields** (`ht2016:<second-level code>`, main 1.0, secondary 0.6: what the patent
  importer links the `Patent` node to), so a demand asks for what its text is about. No patent title is copied as a
  demand title. Industries are GB/T 4754-2011 classes (`data/taxonomies/gbt4754-2011-industries`) chosen per topic,
  regions GB/T 2260 cities (`data/taxonomies/gbt2260-regions`) weighted by where the NSFC projects' institutions are
  (`data/taxonomies/universities-cn`) with a bias per topic. The wording is the hand-written vocabulary of
  `data/synthetic/` (see its SOURCE.md).
- **Fictitious:** enterprise names, unified social credit codes (well-formed, with valid check characters,
  but invented), contacts (a surname and a title; e-mail addresses are not generated), sizes, revenues, budgets,
  figures (capacities, yields, rates…), dates and statuses. Any resemblance to a real enterprise is coincidental.
  The problem an enterprise states is drawn from its topic's kinds of problem; the patent gives its technical
  subject, not a real enterprise's situation.
- Loaded by `kgmatch load demo` after the taxonomies, NSFC projects, people, patents and papers (enterprises
  first, then demands).

## Deliberate reposts

Each demand describes its own problem, so `kgmatch duplicates` finds few pairs. {n_r} of them are
deliberate: an unanswered demand posted again in other words after its deadline, by the same enterprise
or jointly by another enterprise of its industry (the import format has no field to mark them, so they are
listed here). `tests/test_synthetic.py` checks that duplicate detection finds every one.

| original | repost | by |
|---|---|---|
{rows}
"""


def _source_note(rows: dict[str, list[dict[str, Any]]], seed: int) -> str:
    titles = {d["id"]: d["title"] for d in rows["demand"]}
    table = "\n".join(f"| {r['original']} {titles[r['original']]} | {r['repost']} {titles[r['repost']]} | "
                      f"{'same enterprise' if r['by'] == 'same' else 'another enterprise'} |" for r in rows["reposts"])
    names = _level1_names()
    counts = Counter(next(iter(d["fields"])).partition(":")[2][:2] for d in rows["demand"])
    mix = "\n".join(["  | 高新技术领域 | demands |", "  |---|---|"]
                    + [f"  | {code} {names.get(code, '')} | {n} |" for code, n in sorted(counts.items())])
    return _SOURCE_NOTE.format(seed=seed, n_e=len(rows["enterprise"]), n_d=len(rows["demand"]),
                               n_r=len(rows["reposts"]), rows=table, mix=mix)


def _level1_names() -> dict[str, str]:
    """First-level 高新技术领域 code → name."""
    with (DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r["name"] for r in csv.DictReader(fh) if r["level"] == "1"}


def write_demo(out_dir: Path = OUT_DIR, *, seed: int = DEFAULT_SEED, n_enterprises: int = DEFAULT_ENTERPRISES,
               n_demands: int = DEFAULT_DEMANDS) -> dict[str, Path]:
    """Write ``enterprises.jsonl``, ``demands.jsonl`` and ``SOURCE.md`` into ``out_dir``; their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = generate(seed, n_enterprises, n_demands)
    paths = {"enterprise": out_dir / "enterprises.jsonl", "demand": out_dir / "demands.jsonl",
             "source": out_dir / "SOURCE.md"}
    for kind in ("enterprise", "demand"):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows[kind])
        paths[kind].write_text(text, encoding="utf-8", newline="\n")
    paths["source"].write_text(_source_note(rows, seed), encoding="utf-8", newline="\n")
    log.info("wrote %d enterprises and %d demands (%d reposts, seed %d) to %s", len(rows["enterprise"]),
             len(rows["demand"]), len(rows["reposts"]), seed, out_dir)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ingest.synthetic``: regenerate the demo's synthetic enterprises and demands."""
    parser = argparse.ArgumentParser(prog="python -m ingest.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--enterprises", type=int, default=DEFAULT_ENTERPRISES)
    parser.add_argument("--demands", type=int, default=DEFAULT_DEMANDS)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    write_demo(args.out, seed=args.seed, n_enterprises=args.enterprises, n_demands=args.demands)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
