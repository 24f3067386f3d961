"""Keyword extraction from a Chinese demand or project text: TF-IDF against a background corpus.

The text is segmented by the pipeline of :mod:`ingest.nlp` (domain dictionary included);
candidates (:func:`keyword_candidates`) are its content terms (:func:`ingest.nlp.doc_terms`: no
stop words, punctuation, bare numbers or single characters, plus multi-token domain terms) and
the compounds of two adjacent content words that occur at least twice in the text (电压 + 暂降
→ 电压暂降): keywords of technical texts are often such compounds. Each candidate scores

    score(t) = tf(t) · idf(t) · (domain_boost if t is a domain-dictionary term else 1)
    idf(t)   = ln((N + 1) / (df(t) + 1)) + 1

where ``df`` and ``N`` come from the background corpus (NSFC C titles + keywords, NSFC G
titles, CSL train titles; ``data/nlp/stats-<segmenter>.json.gz``). A candidate that is part
of a better-ranked keyword (e.g. 电池 after 锂离子电池) is skipped. Nothing is random.

References
----------
Salton, G., & Buckley, C. (1988). Term-weighting approaches in automatic text retrieval.
Information Processing & Management, 24(5), 513–523.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ingest.nlp import (
    DEFAULT_SEGMENTER,
    USER_DICT_PATH,
    Segmenter,
    doc_terms,
    get_nlp,
    is_content_token,
    load_stats,
    load_user_dict,
    stats_path,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = [
    "DOMAIN_BOOST",
    "Keyword",
    "Background",
    "background_from_stats",
    "default_background",
    "keyword_candidates",
    "rank_keywords",
    "extract_keywords",
]

DOMAIN_BOOST = 1.5
"""Multiplier for candidates that are domain-dictionary terms (taxonomy names, project keywords)."""
MIN_COMPOUND_COUNT = 2
"""A compound of two adjacent words is a candidate when it occurs at least this often in the text."""
MAX_COMPOUND_CHARS = 8


@dataclass(frozen=True)
class Keyword:
    """One extracted keyword: its score (higher is better) and whether it is a domain-dictionary term."""

    term: str
    score: float
    domain_term: bool


@dataclass(frozen=True)
class Background:
    """Document frequencies of a background corpus of ``n_docs`` documents."""

    n_docs: int
    df: Mapping[str, int]

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; an unseen term gets the largest value.

        >>> bg = Background(n_docs=3, df={"电池": 3})
        >>> round(bg.idf("电池"), 3), round(bg.idf("正极材料"), 3)
        (1.0, 2.386)
        """
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0


def background_from_stats(stats: Mapping) -> Background:
    """The background part of counts made by :func:`ingest.nlp_build.build_stats`."""
    return Background(n_docs=int(stats["background"]["n_docs"]), df=stats["background"]["df"])


@cache
def default_background(segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> Background:
    """The shipped background for ``segmenter`` (cached)."""
    return background_from_stats(load_stats(stats_path(segmenter)))


def keyword_candidates(
    doc: Doc, *, min_compound_count: int = MIN_COMPOUND_COUNT, max_compound_chars: int = MAX_COMPOUND_CHARS
) -> list[str]:
    """The candidate terms of a processed text (repeats kept): :func:`ingest.nlp.doc_terms` plus repeated compounds.

    Examples
    --------
    >>> from ingest.nlp import get_nlp
    >>> doc = get_nlp()("电压暂降会影响敏感负荷，电压暂降的评估")
    >>> [t for t in keyword_candidates(doc) if len(t) > 3]
    ['电压暂降', '电压暂降']
    """
    tokens = list(doc)
    compounds: Counter[str] = Counter()
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a.whitespace_ or not (is_content_token(a.text, is_stop=a.is_stop)
                                 and is_content_token(b.text, is_stop=b.is_stop)):
            continue
        joined = a.text + b.text
        if len(joined) <= max_compound_chars:
            compounds[joined] += 1
    terms = doc_terms(doc)
    known = set(terms)
    for compound, n in compounds.items():
        if n >= min_compound_count and compound not in known:
            terms.extend([compound] * n)
    return terms


def rank_keywords(
    terms: Sequence[str],
    background: Background,
    *,
    domain_terms: frozenset[str] = frozenset(),
    top_k: int = 10,
    domain_boost: float = DOMAIN_BOOST,
) -> list[Keyword]:
    """Rank the candidate ``terms`` of one text (in text order, repeats counted) by boosted TF-IDF.

    Parameters
    ----------
    terms
        The text's candidate terms, e.g. :func:`keyword_candidates` of its doc.
    background
        Document frequencies to compute IDF from.
    domain_terms
        Terms to multiply by ``domain_boost``.
    top_k
        How many keywords to return at most (``top_k >= 1``).

    Returns
    -------
    list[Keyword]
        Best first; ties broken by first occurrence, then by the term. A term contained in a
        better-ranked keyword is left out.

    Raises
    ------
    ValueError
        If ``top_k < 1`` or ``domain_boost <= 0``.

    Examples
    --------
    >>> bg = Background(n_docs=100, df={"电池": 40, "锂离子电池": 2, "检测": 30})
    >>> terms = ["锂离子电池", "检测", "锂离子电池", "电池"]
    >>> [k.term for k in rank_keywords(terms, bg, top_k=3)]
    ['锂离子电池', '检测']
    """
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k!r}")
    if domain_boost <= 0:
        raise ValueError(f"domain_boost must be > 0, got {domain_boost!r}")
    tf = Counter(terms)
    first = {}
    for i, term in enumerate(terms):
        first.setdefault(term, i)
    scored = sorted(
        (
            (tf[t] * background.idf(t) * (domain_boost if t in domain_terms else 1.0), t)
            for t in tf
        ),
        key=lambda st: (-st[0], first[st[1]], st[1]),
    )
    chosen: list[Keyword] = []
    for score, term in scored:
        if any(term in kept.term for kept in chosen):
            continue
        chosen.append(Keyword(term=term, score=round(score, 6), domain_term=term in domain_terms))
        if len(chosen) == top_k:
            break
    return chosen


def extract_keywords(
    text: str,
    *,
    segmenter: Segmenter | str = DEFAULT_SEGMENTER,
    top_k: int = 10,
    background: Background | None = None,
) -> list[Keyword]:
    """The ``top_k`` keywords of a Chinese text, best first, using the shipped background and dictionary.

    Examples
    --------
    >>> [k.term for k in extract_keywords("锂离子电池正极材料的表面缺陷检测", top_k=3)]
    ['缺陷检测', '正极材料', '锂离子电池']
    """
    nlp = get_nlp(segmenter)
    return rank_keywords(
        keyword_candidates(nlp(text)),
        background or default_background(segmenter),
        domain_terms=load_user_dict(USER_DICT_PATH),
        top_k=top_k,
    )
