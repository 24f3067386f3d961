"""How a synthetic demand is worded: one concrete problem, and the sentences around it.

A demand's content is drawn once as a :class:`Brief`: the real patent's title phrases and
terms, the enterprise's product and one of its own figures, the topic's words for the
indicator, condition, defect and process at stake, and the angle's symptom,
what was tried, the research asked for and the target, each from several wordings and
with its own numbers. Two demands on one topic therefore describe different problems.
The wrapper (title form, self-introduction, sentence frames, cooperation terms) is drawn
separately, so a repost keeps the brief and rewords the rest, as an enterprise does when
it posts an unanswered problem again.

Every self-introduction of ``data/synthetic/wording.json`` contains a boilerplate marker of
``data/dedup/boilerplate.txt`` (成立于, 主营业务…), as real ones do, so duplicate
detection compares demands on their problems, not on their company profiles.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.synthetic_vocab import SLOT_NAMES, Angle, Topic, fill, pick, wording

__all__ = ["MIN_CHARS", "MAX_CHARS", "MAX_TITLE", "Brief", "Spread", "draft", "since", "write_title", "write_description"]

MIN_CHARS, MAX_CHARS = 100, 300
"""Bounds of a description's length (characters)."""
MAX_TITLE = 40
"""Longest title (characters)."""


@dataclass(frozen=True)
class Brief:
    """What one demand asks, drawn once: a repost keeps it and rewords everything else."""

    side: str  # "T" (products and processes) or "S" (software and services)
    stage: str  # its angle
    tail: str  # the title ending it prefers
    tails: tuple[str, ...]  # all of its angle's (when that one makes a title that is taken)
    key: str  # the patent title's head phrase; leads titles
    keywords: tuple[str, ...]
    phrase: str  # a phrase of the patent's title that is not a keyword, or ""
    product: str
    fact: str  # one of the enterprise's figures, or ""
    since: str  # when it began
    problem: str
    tried: str  # or ""
    work: str
    goal: str
    resource: str


def since(rng: random.Random, posted: datetime.date) -> str:
    """When the problem began, 2–14 months before ``posted``, as an enterprise writes it."""
    months = rng.randint(2, 14)
    year, month = divmod(posted.year * 12 + posted.month - 1 - months, 12)
    return pick(rng, (f"自{year}年{month + 1}月以来", f"近{months}个月来", f"从{year}年{month + 1}月起"))


class Spread:
    """Draws that spread: each takes one of the alternatives used least so far under its key (ties at
    random), so that the demands of one topic take its angles, and those of one angle its wordings, in
    turn instead of repeating a few. Near-duplicate detection should find reposts, not chance."""

    def __init__(self) -> None:
        self._used: Counter[tuple[Hashable, int]] = Counter()

    def least(self, key: Hashable, options: Sequence[int]) -> list[int]:
        """The ``options`` used least under ``key``."""
        fewest = min(self._used[key, i] for i in options)
        return [i for i in options if self._used[key, i] == fewest]

    def take(self, key: Hashable, option: int) -> int:
        """Count one use of ``option`` under ``key``; returns it."""
        self._used[key, option] += 1
        return option

    def index(self, rng: random.Random, key: Hashable, n: int) -> int:
        """One of ``range(n)`` among the least used under ``key``, counted."""
        return self.take(key, pick(rng, self.least(key, range(n))))


def draft(rng: random.Random, topic: Topic, angle: Angle, spread: Spread, *, keywords: tuple[str, ...], key: str,
          phrase: str, product: str, facts: tuple[str, ...], when: str) -> Brief:
    """The concrete problem of one demand: a symptom and its target, and the other parts of its angle, each
    in one of its wordings (spread over the angle's demands) and with its own figures."""
    values = {"product": product, "key": key,  # what the angle's templates may name
              **{name: pick(rng, topic.slots[name]) for name in SLOT_NAMES}}

    def part(name: str, options: tuple[str, ...]) -> int:
        return spread.index(rng, (topic.name, angle.stage, name), len(options))

    case = part("case", angle.problems)
    tried = fill(angle.tried[part("tried", angle.tried)], rng, values) if angle.tried and rng.random() < 0.6 else ""
    return Brief(
        side=topic.side, stage=angle.stage, tail=angle.tails[part("tail", angle.tails)], tails=angle.tails, key=key,
        keywords=keywords, phrase=phrase, product=product,
        fact=pick(rng, facts) if facts and rng.random() < 0.5 else "", since=when,
        problem=fill(angle.problems[case], rng, values), tried=tried,
        work=fill(angle.works[part("work", angle.works)], rng, values), goal=fill(angle.goals[case], rng, values),
        resource=pick(rng, topic.resources))


def _values(brief: Brief, slots: Mapping[str, Any]) -> dict[str, Any]:
    """The named values the sentence frames of ``wording.json`` can use."""
    side = wording()["side"][brief.side]
    return {**slots, **{k: v for k, v in side.items() if isinstance(v, str)}, "key": brief.key,
            "kws": "、".join(brief.keywords), "phrase": brief.phrase, "product": brief.product, "fact": brief.fact,
            "since": brief.since, "problem": brief.problem, "tried": brief.tried, "work": brief.work,
            "goal": brief.goal, "resource": brief.resource}


def write_title(rng: random.Random, brief: Brief, slots: Mapping[str, Any], taken: set[str]) -> str:
    """A title of at most :data:`MAX_TITLE` characters that is not in ``taken`` (and is then added to it)."""
    values = _values(brief, slots)
    forms = wording()["titles"]
    for attempt in range(40):
        tail = brief.tail if attempt < 20 else pick(rng, brief.tails)
        title = fill(pick(rng, forms), rng, {**values, "tail": tail})
        grams = [title[i:i + 2] for i in range(len(title) - 1)]
        if len(title) <= MAX_TITLE and title not in taken and len(grams) == len(set(grams)):
            break  # (a repeated bigram, as in 数据挖掘应用（数据方向）, says one thing twice)
    else:
        title = f"{slots['city_short']}{brief.product}{brief.tail}"
        if title in taken:
            title = f"{title}（{len(taken) + 1}）"
    taken.add(title)
    return title


def write_description(rng: random.Random, brief: Brief, slots: Mapping[str, Any], *, note: str = "") -> str:
    """Introduction, figures, problem, what was tried, request and target, plus cooperation terms
    until the text has :data:`MIN_CHARS` to :data:`MAX_CHARS` characters. ``note`` (a repost's
    explanation) comes first.

    Raises:
        ValueError: the parts cannot make a text of that length (the vocabulary needs a fix).
    """
    words = wording()
    side = words["side"][brief.side]
    values = _values(brief, slots)
    values["impact"] = pick(rng, side["impacts"])
    values["deliverable"] = pick(rng, side["deliverables"])
    parts = {"note": note,
             "intro": fill(pick(rng, words["intros"]), rng, values) if rng.random() < 0.75 else "",
             "fact": fill(pick(rng, words["facts"]), rng, values) if brief.fact else "",
             "problem": fill(pick(rng, words["problems"]), rng, values),
             "cause": fill(pick(rng, words["causes"] + side["causes"]), rng, values) if rng.random() < 0.7 else "",
             "tried": fill(pick(rng, words["tried"]), rng, values) if brief.tried else "",
             "ask": fill(pick(rng, words["asks"] + side["asks"]), rng, values),
             "phrase": fill(pick(rng, words["phrases"]), rng, values) if brief.phrase else "",
             "goal": fill(pick(rng, words["goals"]), rng, values) if rng.random() < 0.6 else ""}
    extras = [fill(e, rng, values) for e in rng.sample(words["extras"], len(words["extras"]))
              if slots.get("budget") or "{budget}" not in e]

    def text(n_extras: int) -> str:
        return "".join(parts.values()) + "".join(extras[:n_extras])

    n_extras = rng.randint(0, 2)
    while len(text(n_extras)) < MIN_CHARS and n_extras < len(extras):
        n_extras += 1
    while len(text(n_extras)) > MAX_CHARS and n_extras > 0:
        n_extras -= 1
    for optional in ("tried", "phrase", "fact", "intro", "cause"):  # dropped in this order while the text is too long
        if len(text(n_extras)) <= MAX_CHARS:
            break
        parts[optional] = ""
    result = text(n_extras)
    if not MIN_CHARS <= len(result) <= MAX_CHARS:
        raise ValueError(f"description of {len(result)} characters: {result}")
    return result
