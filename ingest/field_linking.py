"""Field linking: a demand's text → weighted technical fields and industries.

Four taxonomies, kept apart by their field-id prefix (same code strings can mean different
things in the two NSFC schemes, e.g. C0105):

============  ==========================================  ============================================
scheme        ids                                         how a text is linked
============  ==========================================  ============================================
nsfc2020      ``nsfc2020:<code>`` post-2020 C sub-codes   learned: naive Bayes over the terms of the NSFC
                                                          C projects' titles + keywords (:class:`CodeModel`)
nsfc          ``nsfc:<code>`` pre-2020 codes (3 levels)   lexical: TF-IDF cosine with the code's name and
                                                          its ancestors' names (:class:`LexicalIndex`)
ht2016        ``ht2016:<code>`` 高新技术领域 (2016)        lexical, as nsfc
gbt4754       ``gbt4754:<code>`` GB/T 4754-2011 industry  lexical, as nsfc (:meth:`FieldLinker.link_industries`)
============  ==========================================  ============================================

Weights are in [0, 1]. For ``nsfc2020`` a weight is the code's posterior (tempered by the
number of known terms) times the text's *coverage*, the IDF-weighted share of its terms the
life-science projects ever used, so a text about machine vision gets small C weights however
the posterior falls. Lexical weights are the cosine times :data:`LEXICAL_FACTOR` (a weaker
signal: names are short and nothing was learned). Everything is deterministic.

The learned counts ship in ``data/nlp/stats-<segmenter>.json.gz`` and the taxonomy names in
``data/nlp/taxonomy_names.json``; ``python -m ingest.nlp_build`` rebuilds both from the raw data.

References
----------
McCallum, A., & Nigam, K. (1998). A comparison of event models for naive Bayes text
classification. AAAI-98 Workshop on Learning for Text Categorization.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from graph.environment import env_value
from ingest.keywords import Background, background_from_stats
from ingest.nlp import (
    DEFAULT_SEGMENTER,
    Segmenter,
    doc_terms,
    get_nlp,
    load_stats,
    load_taxonomy_names,
    name_terms,
    stats_path,
)

if TYPE_CHECKING:
    from spacy.language import Language

    from ingest.field_model import FieldModel

__all__ = [
    "DemandUnderstanding",
    "understand_demand",
    "LINKERS",
    "default_linker",
    "rank_ht2016",
    "rank_demand",
    "choose_fields",
    "FIELD_SCHEMES",
    "LEXICAL_FACTOR",
    "FieldLink",
    "IndustryLink",
    "CodeModel",
    "train_code_model",
    "code_model_from_stats",
    "rank_codes",
    "coverage",
    "LexicalIndex",
    "build_lexical_index",
    "lexical_features",
    "rank_lexical",
    "lexical_features_of_name",
    "FieldLinker",
    "get_linker",
    "link_fields",
    "link_industries",
]

FIELD_SCHEMES = ("nsfc2020", "nsfc", "ht2016")
"""Field schemes, strongest signal first. Field ids are ``<scheme>:<code>``."""
INDUSTRY_SCHEME = "gbt4754"
LEXICAL_FACTOR = 0.5
"""Lexical (name-similarity) weights are multiplied by this: a weaker signal than a learned one."""
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class FieldLink:
    """One ``(Demand)-[:NEEDS {weight}]->(Field)`` candidate."""

    field_id: str
    scheme: str
    code: str
    name: str
    weight: float
    method: str


@dataclass(frozen=True)
class IndustryLink:
    """One ``(Demand)-[:IN_INDUSTRY]->(Industry)`` candidate (GB/T 4754-2011)."""

    industry_id: str
    code: str
    name: str
    weight: float


# --------------------------------------------------------------------------- learned: naive Bayes


@dataclass(frozen=True)
class CodeModel:
    """Multinomial naive Bayes over binary term presence, kept sparse.

    ``doc_count[c]`` is the number of training texts of code ``c``; ``term_counts[t][c]`` the
    number of them containing term ``t``; ``total[c]`` = Σ_t term_counts[t][c].
    """

    codes: tuple[str, ...]
    doc_count: Mapping[str, int]
    term_counts: Mapping[str, Mapping[str, int]]
    total: Mapping[str, int]
    alpha: float

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct terms seen in training."""
        return len(self.term_counts)


def _model_from_counts(doc_count: Mapping[str, int], by_code: Mapping[str, Mapping[str, int]], alpha: float) -> CodeModel:
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha!r}")
    if not doc_count:
        raise ValueError("cannot train a code model on no examples")
    term_counts: dict[str, dict[str, int]] = defaultdict(dict)
    total: Counter[str] = Counter()
    for code, counts in by_code.items():
        for term, n in counts.items():
            term_counts[term][code] = n
            total[code] += n
    return CodeModel(
        codes=tuple(sorted(doc_count)),
        doc_count=dict(doc_count),
        term_counts=dict(term_counts),
        total=dict(total),
        alpha=alpha,
    )


def train_code_model(examples: Iterable[tuple[Sequence[str], str]], *, alpha: float = 0.1) -> CodeModel:
    """Train on ``(terms, code)`` pairs; each term counts once per text.

    Raises
    ------
    ValueError
        On no examples or ``alpha <= 0``.

    Examples
    --------
    >>> model = train_code_model([(["病毒", "复制"], "C0107"), (["细菌", "耐药"], "C0108")])
    >>> model.codes, model.vocabulary_size
    (('C0107', 'C0108'), 4)
    """
    doc_count: Counter[str] = Counter()
    by_code: dict[str, Counter[str]] = defaultdict(Counter)
    for terms, code in examples:
        doc_count[code] += 1
        by_code[code].update(set(terms))
    return _model_from_counts(doc_count, by_code, alpha)


def code_model_from_stats(stats: Mapping, *, alpha: float = 0.1) -> CodeModel:
    """The model from counts made by :func:`ingest.nlp_build.build_stats`."""
    part = stats["nsfc2020"]
    return _model_from_counts(part["doc_count"], part["term_counts"], alpha)


def rank_codes(
    model: CodeModel, terms: Iterable[str], *, top_k: int | None = 5, prior: bool = True
) -> list[tuple[str, float]]:
    """Codes by posterior probability given ``terms``, best first (ties by code).

    The log-posterior is divided by the number of known terms before the softmax
    (a geometric mean over terms), so weights do not collapse to 0/1 on long texts;
    the order is the plain naive Bayes order. Unknown terms are ignored; with no
    known term the prior alone decides.

    Parameters
    ----------
    model
        A trained :class:`CodeModel`.
    terms
        The text's terms (duplicates count once).
    top_k
        How many codes to return (``None``: all).
    prior
        Whether to use the class prior (``False``: uniform).

    Returns
    -------
    list[tuple[str, float]]
        ``(code, weight)`` with weights summing to 1 over all codes.

    Examples
    --------
    >>> model = train_code_model([(["病毒", "复制"], "C0107"), (["细菌", "耐药"], "C0108"), (["细菌"], "C0108")])
    >>> [(c, round(w, 2)) for c, w in rank_codes(model, ["细菌", "耐药性"])]
    [('C0108', 0.97), ('C0107', 0.03)]
    """
    known = sorted({t for t in terms if t in model.term_counts})
    n_docs = sum(model.doc_count.values())
    v = model.vocabulary_size
    alpha = model.alpha
    scores: dict[str, float] = {}
    for code in model.codes:
        base = math.log(model.doc_count[code] / n_docs) if prior else 0.0
        scores[code] = base + len(known) * (math.log(alpha) - math.log(model.total.get(code, 0) + alpha * v))
    for term in known:
        for code, n in model.term_counts[term].items():
            scores[code] += math.log1p(n / alpha)
    temperature = max(1, len(known))
    top = max(scores.values())
    exp = {c: math.exp((s - top) / temperature) for c, s in scores.items()}
    z = sum(exp.values())
    ranked = sorted(((c, e / z) for c, e in exp.items()), key=lambda cw: (-cw[1], cw[0]))
    return ranked if top_k is None else ranked[:top_k]


def coverage(terms: Iterable[str], vocabulary: Mapping[str, object], background: Background) -> float:
    """IDF-weighted share of ``terms`` that occur in ``vocabulary`` (0 when there are no terms).

    >>> bg = Background(n_docs=10, df={})
    >>> coverage(["病毒", "机器视觉"], {"病毒": 1}, bg)
    0.5
    """
    unique = set(terms)
    total = sum(background.idf(t) for t in unique)
    if total == 0:
        return 0.0
    return sum(background.idf(t) for t in unique if t in vocabulary) / total


# --------------------------------------------------------------------------- lexical: names


@dataclass(frozen=True)
class LexicalIndex:
    """TF-IDF vectors of a taxonomy's entries (own name + ancestors' names), L2-normalised."""

    scheme: str
    codes: tuple[str, ...]
    names: Mapping[str, str]
    vectors: tuple[Mapping[str, float], ...]
    idf: Mapping[str, float]
    postings: Mapping[str, tuple[int, ...]]


def lexical_features(terms: Sequence[str], *, bigram_weight: float = 0.5) -> Counter[str]:
    """Terms plus the character bigrams inside each term of ≥ 3 chars (prefixed ``#``, weighted ``bigram_weight``).

    Bigrams let 微生物学 meet 微生物 where the two segmentations differ; taking them only inside
    content terms keeps stop words and pairs across word boundaries out.

    >>> sorted(lexical_features(["病毒学", "复制"]).items())
    [('#毒学', 0.5), ('#病毒', 0.5), ('复制', 1.0), ('病毒学', 1.0)]
    """
    feats: Counter[str] = Counter()
    for term in terms:
        feats[term] += 1.0
        for run in _CJK_RUN.findall(term) if len(term) >= 3 else ():
            for i in range(len(run) - 1):
                feats["#" + run[i : i + 2]] += bigram_weight
    return feats


def _normalise(vec: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vec.values()))
    return {k: w / norm for k, w in vec.items()} if norm else {}


def build_lexical_index(
    scheme: str,
    entries: Sequence[tuple[str, str, str | None]],
    analyze: Callable[[str], Mapping[str, float]],
    *,
    parent_weight: float = 0.5,
) -> LexicalIndex:
    """Index ``(code, name, parent)`` entries; an entry's parent chain adds its names at ``parent_weight`` per level.

    ``analyze`` turns a name into feature counts (e.g. pipeline terms + char bigrams).

    Examples
    --------
    >>> def chars(s):
    ...     return Counter(s)
    >>> idx = build_lexical_index("x", [("A", "病毒", None), ("A1", "病毒学", "A")], chars)
    >>> idx.codes
    ('A', 'A1')
    """
    by_code = {code: (name, parent) for code, name, parent in entries}
    own = {code: analyze(name) for code, (name, _) in by_code.items()}
    raw: list[Counter[str]] = []
    for code, (_, parent) in by_code.items():
        vec: Counter[str] = Counter(dict(own[code]))
        factor, seen = parent_weight, {code}
        while parent and parent in by_code and parent not in seen:
            seen.add(parent)
            for feat, n in own[parent].items():
                vec[feat] += n * factor
            factor *= parent_weight
            parent = by_code[parent][1]
        raw.append(vec)
    n = len(raw)
    df: Counter[str] = Counter()
    for vec in raw:
        df.update(vec.keys())
    idf = {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}
    vectors = tuple(_normalise({f: w * idf[f] for f, w in vec.items()}) for vec in raw)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for f in vec:
            postings[f].append(i)
    return LexicalIndex(
        scheme=scheme,
        codes=tuple(by_code),
        names={code: name for code, (name, _) in by_code.items()},
        vectors=vectors,
        idf=idf,
        postings={f: tuple(ix) for f, ix in postings.items()},
    )


def rank_lexical(
    index: LexicalIndex, features: Mapping[str, float], *, top_k: int = 5, require_term: bool = True
) -> list[tuple[str, float]]:
    """Entries by cosine similarity to ``features`` (only features the index knows count), best first.

    With ``require_term`` an entry must share a whole term of three or more characters, or
    at least two features, so 耐药机制 does not link to 电动机制造 through the single bigram
    机制, nor 发酵工艺 to 集成电路制造中的工艺技术 through the single word 工艺.

    Examples
    --------
    >>> idx = build_lexical_index("x", [("A", "病毒学", None), ("B", "植物学", None)], lexical_features_of_name)
    >>> [c for c, _ in rank_lexical(idx, lexical_features(["病毒学", "复制"]))]
    ['A']
    """
    # Unknown features still count in the query's norm (at the highest idf), so one shared
    # common term (工艺) cannot carry a long query to a perfect-looking match.
    top_idf = max(index.idf.values(), default=1.0)
    query = _normalise({f: w * index.idf.get(f, top_idf) for f, w in features.items()})
    scores: dict[int, float] = defaultdict(float)
    whole: set[int] = set()
    matched: Counter[int] = Counter()
    for f, w in query.items():
        for i in index.postings.get(f, ()):
            scores[i] += w * index.vectors[i][f]
            matched[i] += 1
            if not f.startswith("#") and len(f) >= 3:
                whole.add(i)

    def qualifies(i: int) -> bool:
        # One short shared word (工艺, 机制) is not a topic: ask for a longer term or two features.
        return not require_term or i in whole or matched[i] >= 2

    ranked = sorted(
        ((index.codes[i], s) for i, s in scores.items() if s > 0 and qualifies(i)),
        key=lambda cs: (-cs[1], cs[0]),
    )
    return ranked[:top_k]


def lexical_features_of_name(name: str) -> Counter[str]:
    """Features of a name without a pipeline: the whole name plus its character bigrams (doctests, tests)."""
    return lexical_features([name])


# --------------------------------------------------------------------------- the linker


class FieldLinker:
    """Links texts to fields and industries with one pipeline, one learned model and the lexical indexes."""

    def __init__(
        self,
        nlp: Language,
        model: CodeModel,
        background: Background,
        taxonomies: Mapping[str, Sequence[tuple[str, str, str | None]]],
        *,
        lexical_factor: float = LEXICAL_FACTOR,
    ) -> None:
        self.nlp = nlp
        self.model = model
        self.background = background
        self.lexical_factor = lexical_factor
        self.nsfc2020_names = {code: name for code, name, _ in taxonomies.get("nsfc2020", ())}
        self.indexes = {
            scheme: build_lexical_index(scheme, entries, self._analyze_name)
            for scheme, entries in taxonomies.items()
            if scheme in ("nsfc", "ht2016", INDUSTRY_SCHEME)
        }

    def _analyze_name(self, name: str) -> Counter[str]:
        # A name's terms plus their stems (锂离子电池制造 → 锂离子电池), as the dictionary has both.
        return lexical_features([t for term in doc_terms(self.nlp(name)) for t in name_terms(term)])

    def terms(self, text: str) -> list[str]:
        """The text's terms as the pipeline sees them."""
        return doc_terms(self.nlp(text))

    def rank_nsfc2020(self, terms: Sequence[str], *, top_k: int | None = 5) -> list[tuple[str, float]]:
        """Post-2020 C codes with posterior × coverage weights, best first."""
        cov = coverage(terms, self.model.term_counts, self.background)
        return [(c, w * cov) for c, w in rank_codes(self.model, terms, top_k=top_k)]

    def link(
        self,
        text: str,
        *,
        top_k: int = 5,
        schemes: Sequence[str] = FIELD_SCHEMES,
        min_weight: float = 0.01,
    ) -> list[FieldLink]:
        """Up to ``top_k`` fields per scheme with weight ≥ ``min_weight``, all sorted by weight (ties by id).

        Raises
        ------
        ValueError
            For an unknown scheme or ``top_k < 1``.
        """
        unknown = [s for s in schemes if s not in FIELD_SCHEMES]
        if unknown:
            raise ValueError(f"unknown field scheme(s) {unknown}; use {list(FIELD_SCHEMES)}")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k!r}")
        terms = self.terms(text)
        links: list[FieldLink] = []
        if "nsfc2020" in schemes:
            for code, w in self.rank_nsfc2020(terms, top_k=top_k):
                links.append(FieldLink(f"nsfc2020:{code}", "nsfc2020", code, self.nsfc2020_names.get(code, ""),
                                       round(w, 6), "naive_bayes"))
        feats = lexical_features(terms)
        for scheme in ("nsfc", "ht2016"):
            if scheme in schemes:
                index = self.indexes[scheme]
                for code, s in rank_lexical(index, feats, top_k=top_k):
                    links.append(FieldLink(f"{scheme}:{code}", scheme, code, index.names[code],
                                           round(s * self.lexical_factor, 6), "lexical"))
        links = [link for link in links if link.weight >= min_weight]
        return sorted(links, key=lambda link: (-link.weight, link.field_id))

    def link_industries(self, text: str, *, top_k: int = 3, min_weight: float = 0.01) -> list[IndustryLink]:
        """Up to ``top_k`` GB/T 4754-2011 industries by name similarity (weights × :data:`LEXICAL_FACTOR`)."""
        index = self.indexes[INDUSTRY_SCHEME]
        feats = lexical_features(self.terms(text))
        out = [
            IndustryLink(f"{INDUSTRY_SCHEME}:{code}", code, index.names[code], round(s * self.lexical_factor, 6))
            for code, s in rank_lexical(index, feats, top_k=top_k)
        ]
        return [link for link in out if link.weight >= min_weight]


@cache
def get_linker(segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> FieldLinker:
    """The linker over the shipped data for ``segmenter`` (built once; indexing the names takes a moment)."""
    seg = Segmenter(segmenter)
    stats = load_stats(stats_path(seg))
    return FieldLinker(get_nlp(seg), code_model_from_stats(stats), background_from_stats(stats), load_taxonomy_names())


def link_fields(
    text: str,
    *,
    segmenter: Segmenter | str = DEFAULT_SEGMENTER,
    top_k: int = 5,
    schemes: Sequence[str] = FIELD_SCHEMES,
) -> list[FieldLink]:
    """Weighted fields for a demand's text (see :meth:`FieldLinker.link`).

    Examples
    --------
    >>> links = link_fields("嗜肺军团菌的遗传多样性与耐药机制", schemes=["nsfc2020"], top_k=1)
    >>> links[0].field_id.startswith("nsfc2020:C01")
    True
    """
    return get_linker(segmenter).link(text, top_k=top_k, schemes=schemes)


@dataclass(frozen=True)
class DemandUnderstanding:
    """What NLP makes of a demand's text: keywords and weighted fields (the best scaled to 1).

    ``confidence`` is the supervised linker's probability of its best field (0 for the lexical
    linker); ``linker`` names the linker that decided.
    """

    keywords: tuple[str, ...]
    fields: tuple[tuple[str, float], ...]
    confidence: float = 0.0
    linker: str = "lexical"


LINKERS = ("supervised", "lexical")
"""Demand linkers: ``supervised`` (the default, :mod:`ingest.field_model` + crosswalk) and ``lexical`` (the baseline)."""
SUPERVISED_RATIO = 0.5
"""A second or third ht2016 field is kept when its probability is at least this share of the best one's."""
REACH_FACTOR = 0.5
"""Weight of an NSFC code reached from a linked ht2016 field through the crosswalk (times the field's weight)."""


def default_linker() -> str:
    """``KGMATCH_LINKER`` (``supervised`` or ``lexical``), ``supervised`` when unset."""
    value = env_value("KGMATCH_LINKER", empty_is_default=True).strip()
    if value not in LINKERS:
        raise ValueError(f"KGMATCH_LINKER must be one of {list(LINKERS)}, got {value!r}")
    return value


def rank_ht2016(text: str, *, top_k: int = 5) -> list[tuple[str, float]]:
    """ht2016 second-level codes by the supervised linker's probability (see :mod:`ingest.field_model`)."""
    from ingest.field_model import get_field_model

    return get_field_model().rank(text, top_k=top_k)


def rank_demand(text: str, *, top_k: int | None = 5, model: FieldModel | None = None) -> list[tuple[str, float]]:
    """ht2016 second-level codes for a demand: the linker's probability with its own label prior divided out.

    An enterprise's wording is unlike the linker's training text (titles, keywords, abstracts), so
    where little of a demand is familiar the plain probability falls back on the labels the training
    text is richest in (207 农业生物技术 first); :func:`ingest.field_model.adjust_for_prior` removes
    that lean (prior34 in ``data/eval/sme-demands/DECISIONS.md``). The taxonomy's own field names are a second
    voice (:func:`ingest.field_model.blend_with_names`, names34): the classifier hears its 306 name rows among
    28,000 academic ones, while a demand often names its field in those words (第三方检测机构, 加氢站, 振动).
    A third voice is the linker's memory of the labelled demands it learned from (:class:`ingest.field_model.
    DemandMemory`, mem38): the fields of the demands nearest to this one, by BM25, weigh
    :data:`ingest.field_model.MEMORY_WEIGHT` of the answer.
    Titles keep :func:`rank_ht2016`. ``model``: another linker than the product's (a benchmark's).
    """
    return _rank_demand(text, top_k=top_k, model=model)[0]


def _rank_demand(text: str, *, top_k: int | None,
                 model: FieldModel | None = None) -> tuple[list[tuple[str, float]], dict[str, float]]:
    """:func:`rank_demand`, and the plain probabilities it was adjusted from (one pass of the model)."""
    from ingest.field_model import (
        adjust_for_prior,
        blend_with_memory,
        blend_with_names,
        get_field_model,
        get_field_names,
        ranked,
    )

    model = model or get_field_model()
    plain = model.probabilities(text)
    if not plain:
        return [], plain
    adjusted = adjust_for_prior(plain, model.label_prior())
    blended = blend_with_names(adjusted, get_field_names().similarity(text))
    if model.memory is not None:
        blended = blend_with_memory(blended, model.memory.votes(text))
    return ranked(blended, top_k=top_k), plain


def choose_fields(ranked: Sequence[tuple[str, float]], *, top_k: int = 3,
                  ratio: float = SUPERVISED_RATIO) -> list[tuple[str, float]]:
    """The best field, plus up to ``top_k - 1`` more whose probability is ≥ ``ratio`` × the best; weights scaled to 1.

    >>> choose_fields([("107", 0.6), ("103", 0.35), ("101", 0.1)])
    [('107', 1.0), ('103', 0.5833)]
    """
    if not ranked or ranked[0][1] <= 0:
        return []
    best = ranked[0][1]
    return [(code, round(p / best, 4)) for code, p in ranked[:top_k] if p >= ratio * best]


def _ht2016_level2(field_id: str) -> str | None:
    scheme, _, code = field_id.partition(":")
    return code[:3] if scheme == "ht2016" and len(code) >= 3 else None


def _understand_supervised(text: str, words: Sequence[str], known: Callable[[str], bool],
                           top_k: int, min_weight: float) -> DemandUnderstanding:
    """ht2016 fields from the supervised linker; other schemes only where the crosswalk agrees with them."""
    from ingest.crosswalk import get_crosswalk

    adjusted, plain = _rank_demand(f"{text} {' '.join(words)}", top_k=5)
    chosen = choose_fields(adjusted)
    if not chosen:
        return DemandUnderstanding(tuple(words), (), 0.0, "supervised")
    weights: dict[str, float] = {}
    level2 = dict(chosen)
    for code, w in chosen:
        if known(f"ht2016:{code}"):
            weights[f"ht2016:{code}"] = w
    cw = get_crosswalk()
    title = text.strip().split("\n")[0]
    lexical = [link for link in link_fields(f"{title} {' '.join(words)}", top_k=top_k)
               if link.weight >= min_weight and known(link.field_id)]
    top = max((link.weight for link in lexical), default=0.0)
    for link in lexical:
        # Context decides: a name-similar field survives only when the crosswalk puts it in a field the
        # whole text was linked to (勒索软件 keeps away from 病毒学, which the crosswalk puts under 201).
        if link.scheme == "ht2016":
            parent = _ht2016_level2(link.field_id)
            targets = [(parent, 1.0)] if parent else []
        else:
            targets = cw.targets(link.scheme, link.code)
        agree = max((level2[t] * tw for t, tw in targets if t in level2), default=0.0)
        if agree > 0 and link.field_id not in weights:
            weights[link.field_id] = round(0.8 * agree * link.weight / top, 4)
    for code, w in chosen:  # reach experts indexed under specific NSFC codes of the same field
        for scheme in ("nsfc", "nsfc2020"):
            for prefix in cw.codes_for_field(scheme, code, main_only=False):
                fid = f"{scheme}:{prefix}"
                if len(prefix) >= 5 and fid not in weights and known(fid):
                    tw = dict(cw.targets(scheme, prefix)).get(code, 0.0)
                    weights[fid] = round(REACH_FACTOR * w * tw, 4)
    fields = tuple(sorted(((f, w) for f, w in weights.items() if w >= min_weight), key=lambda fw: (-fw[1], fw[0])))
    # the confidence stays the plain probability of the first field, the scale the abstention rules read
    return DemandUnderstanding(tuple(words), fields, round(plain[chosen[0][0]], 4), "supervised")


def understand_demand(text: str, *, keywords: Sequence[str] = (), known: Callable[[str], bool] = lambda _: True,
                      top_k: int = 5, min_weight: float = 0.01, n_keywords: int = 8,
                      linker: str | None = None) -> DemandUnderstanding:
    """Keywords (unless given) and fields for a demand.

    With the ``supervised`` linker (the default, :func:`default_linker`) the whole text decides
    the 高新技术领域 second-level fields (:func:`choose_fields`); name-similar fields of other schemes
    are kept only when the crosswalk agrees, and specific NSFC codes of the linked fields are added
    at :data:`REACH_FACTOR` so experts indexed there are reached. With ``lexical`` (the baseline)
    fields are linked from the title (the first line) and the keywords by name similarity, not
    from the whole description, whose boilerplate (我公司……希望与专家合作) only adds noise.
    Links weaker than ``min_weight`` or rejected by ``known`` are dropped, and the rest are
    scaled so the strongest is 1.
    """
    from ingest.keywords import extract_keywords  # keywords imports this module's neighbours

    linker = linker or default_linker()
    if linker not in LINKERS:
        raise ValueError(f"unknown linker {linker!r}; use {list(LINKERS)}")
    words = tuple(keywords) or tuple(k.term for k in extract_keywords(text, top_k=n_keywords))
    if linker == "supervised":
        return _understand_supervised(text, words, known, top_k, min_weight)
    title = text.strip().split("\n")[0]
    links = [link for link in link_fields(f"{title} {' '.join(words)}", top_k=top_k)
             if link.weight >= min_weight and known(link.field_id)]
    top = max((link.weight for link in links), default=0.0)
    fields = tuple((link.field_id, round(link.weight / top, 4)) for link in links) if top > 0 else ()
    return DemandUnderstanding(words, fields)


def link_industries(text: str, *, segmenter: Segmenter | str = DEFAULT_SEGMENTER, top_k: int = 3) -> list[IndustryLink]:
    """Proposed GB/T 4754-2011 industries for a demand's text (see :meth:`FieldLinker.link_industries`)."""
    return get_linker(segmenter).link_industries(text, top_k=top_k)
