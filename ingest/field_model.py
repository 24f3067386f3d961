"""The supervised field linker: text → 高新技术领域 second-level fields (and IPC subclasses), learned from real labels.

Training text carries labels given by people, mapped to one label space through the crosswalk
(:mod:`ingest.crosswalk`):

===========  ===========================================================  =============================
source       text                                                         label → ht2016
===========  ===========================================================  =============================
patents      title (``data/patents``, the ``train`` split only)           IPC subclasses
nsfc-c       title + keywords (``data/nsfc/nsfc_C_projects.csv``)          post-2020 申请代码 (C)
nsfc-f0208   title (``data/linker/nsfc_F0208_…csv``)                       申请代码 F0208
csl          title + keywords + abstract (``data/linker/csl_discipline``)  CSL 一级学科
chinaxiv     title + keywords (``data/linker/chinaxiv_clc.tsv``)           中图分类号
taxonomy     third-level names of the 2016 taxonomy (and second-level)     their second-level field
demands      title + description of labelled SME demands (dev3–7, 9–15  their second-level field(s)
             ``data/eval/sme-demands``: enterprise wording)
===========  ===========================================================  =============================

A secondary crosswalk target counts with weight 0.6 (a sample weight). Management-science (G)
projects carry no 申请代码 and are not used. The model is a linear classifier (logistic loss,
SGD, seeded) over TF-IDF of jieba words and of character 2–4-grams, so a whole context votes and
no single shared word decides; one head predicts ht2016 second-level fields, another IPC subclasses
(patents only). Building is deterministic (fixed seed, sorted inputs) and takes well under a
minute on the shipped data: ``kgmatch train-linker`` (or ``make linker``) writes it to
:func:`model_path`; :func:`get_field_model` trains it on first use when the file is missing.
``KGMATCH_FIELD_MODEL`` points at another file; tests use a small build (``small=True``).

The model also keeps the labelled demands it learned from (``demands``, and officers' corrections) as a
:class:`DemandMemory`: when a demand is linked, the fields of the labelled demands nearest to it by BM25 are a third
voice beside the classifier and the field names (mem38 in ``data/eval/sme-demands/DECISIONS.md``).
"""

from __future__ import annotations

import csv
import logging
import math
import pickle
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from graph.environment import env_value
from graph.model import demand_text
from ingest.bm25 import bm25_scores, with_bigrams
from ingest.crosswalk import Crosswalk, get_crosswalk
from ingest.patents import PATENTS_PATH, patent_split
from ingest.resolve import DATA_ROOT

__all__ = [
    "SOURCES",
    "MODEL_VERSION",
    "TrainText",
    "training_texts",
    "officer_texts",
    "patent_rows",
    "FieldModel",
    "train_field_model",
    "adjust_for_prior",
    "FieldNames",
    "field_names",
    "get_field_names",
    "blend_with_names",
    "NAME_WEIGHT",
    "DemandMemory",
    "demand_memory",
    "blend_with_memory",
    "MEMORY_WEIGHT",
    "MEMORY_K",
    "ranked",
    "model_path",
    "save_model",
    "load_model",
    "get_field_model",
]

log = logging.getLogger(__name__)

SOURCES = ("patents", "nsfc-c", "nsfc-f0208", "csl", "chinaxiv", "taxonomy", "demands")
MODEL_VERSION = 3  # 3: the model carries its DemandMemory (mem38)
SEED = 20261202
LINKER_DIR = DATA_ROOT / "linker"
HT2016_PATH = DATA_ROOT / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv"
NSFC_C_PATH = DATA_ROOT / "nsfc" / "nsfc_C_projects.csv"
F0208_PATH = LINKER_DIR / "nsfc_F0208_projects_approved_le2014.csv"
CSL_PATH = LINKER_DIR / "csl_discipline.tsv"
CHINAXIV_PATH = LINKER_DIR / "chinaxiv_clc.tsv"
_DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "var" / "models" / f"field_linker-v{MODEL_VERSION}.pkl"
TAXONOMY_WEIGHT = 3.0  # a field's own sub-field names are the most direct evidence there is
DEMANDS_DIR = DATA_ROOT / "eval" / "sme-demands"
DEMAND_TRAIN_FILES = ("dev3.tsv", "dev4.tsv", "dev5.tsv", "dev6.tsv", "dev7.tsv", "dev9.tsv", "dev10.tsv",
                      "dev11.tsv", "dev12.tsv", "dev13.tsv", "dev14.tsv", "dev15.tsv")
"""The labelled demand splits the linker learns from (dem35, dem36, dem39, dem40 in DECISIONS.md). ``demands.tsv``
(dev, test), ``dev2.tsv``, ``dev8.tsv`` and ``dev16.tsv`` are never read by training: they
are the judged, once-only, decision and fresh-measure splits."""
DEMAND_WEIGHT = TAXONOMY_WEIGHT  # a label a person gave to this very kind of text


@dataclass(frozen=True)
class TrainText:
    """One labelled training text."""

    text: str
    label: str  # ht2016 second-level code, or an IPC subclass for the IPC head
    weight: float
    source: str


def _read(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _mapped(text: str, scheme: str, code: str, cw: Crosswalk, source: str) -> list[TrainText]:
    return [TrainText(text, t, w, source) for t, w in cw.targets(scheme, code)] if text.strip() else []


def patent_rows(split: str | None = "train") -> list[tuple[str, str, tuple[str, ...]]]:
    """``(publication number, title, IPC subclasses)`` of the shipped patents in ``split`` (None: all)."""
    out = []
    for r in _read(PATENTS_PATH):
        pub = r["publication_number"].strip()
        if split is None or patent_split(pub) == split:
            out.append((pub, r["title"].strip(), tuple(s for s in r["ipc_subclasses"].split("|") if s)))
    return out


def training_texts(*, sources: Sequence[str] = SOURCES, cw: Crosswalk | None = None,
                   per_source: int | None = None, demand_files: Sequence[str] = DEMAND_TRAIN_FILES) -> list[TrainText]:
    """Every labelled text of ``sources`` mapped to ht2016 second-level codes (``per_source``: the first n rows each;
    ``demand_files``: which labelled demand splits the ``demands`` source reads, :data:`DEMAND_TRAIN_FILES` by default)."""
    cw = cw or get_crosswalk()
    out: list[TrainText] = []

    def take(rows: list[Any]) -> list[Any]:
        return rows[:per_source] if per_source else rows

    if "patents" in sources:
        for _, title, subs in take(patent_rows("train")):
            best: dict[str, float] = {}
            for sub in subs:
                for t, w in cw.targets("ipc", sub):
                    best[t] = max(best.get(t, 0.0), w)
            out += [TrainText(title, t, w, "patents") for t, w in sorted(best.items())]
    if "nsfc-c" in sources:
        for r in take(_read(NSFC_C_PATH)):
            text = f"{r['title']} {r['keywords'].replace('；', ' ')}"
            out += _mapped(text, "nsfc2020", r["application_code"].strip(), cw, "nsfc-c")
    if "nsfc-f0208" in sources:
        for r in take(_read(F0208_PATH)):
            out += _mapped(r["项目名称"], "nsfc", r["申请代码"].strip(), cw, "nsfc-f0208")
    if "csl" in sources:
        for r in take(_read(CSL_PATH, "\t")):
            text = f"{r['title']} {r['keywords'].replace(';', ' ')} {r['abstract']}"
            out += _mapped(text, "csl", r["discipline"], cw, "csl")
    if "chinaxiv" in sources:
        for r in take(_read(CHINAXIV_PATH, "\t")):
            codes = [c.strip() for c in r["clc"].replace("；", ";").split(";") if c.strip()]
            if codes:
                out += _mapped(f"{r['title']} {r['keywords'].replace(';', ' ')}", "clc", codes[0], cw, "chinaxiv")
    if "demands" in sources:
        for name in demand_files:
            for r in take(_read(DEMANDS_DIR / name, "\t")):
                text = demand_text(r["title"], r["description"])
                out += [TrainText(text, code, DEMAND_WEIGHT, "demands") for code in r["fields"].split("|") if code]
    if "taxonomy" in sources:
        rows = _read(HT2016_PATH)
        for r in rows:
            if r["level"] == "3":
                out.append(TrainText(r["name"], r["parent_code"], TAXONOMY_WEIGHT, "taxonomy"))
            elif r["level"] == "2":
                out.append(TrainText(r["name"], r["code"], TAXONOMY_WEIGHT, "taxonomy"))
    return out


def officer_texts(store: Any, *, cw: Crosswalk | None = None) -> list[TrainText]:
    """The demands of ``store`` whose fields an officer set (NEEDS ``method="officer"``, ``workflow.demands.
    set_demand_fields``): title and description, one training text per field, weight :data:`DEMAND_WEIGHT`
    (``kgmatch train-linker --from-store``). An ht2016 field counts as its second-level field; another scheme's
    field reaches ht2016 through the crosswalk."""
    from graph.model import Label, RelType
    from graph.store import Direction

    cw = cw or get_crosswalk()
    out: list[TrainText] = []
    for node in store.all_nodes(Label.DEMAND):
        if not node.props.get("fields_set_by"):
            continue
        text = demand_text(node.props.get("title"), node.props.get("description"))
        labels: dict[str, float] = {}
        for nb in store.neighbors(Label.DEMAND, node.id, direction=Direction.OUT, rel_types=[RelType.NEEDS],
                                  labels=[Label.FIELD]):
            if nb.rel.props.get("method") != "officer":
                continue
            scheme, _, code = nb.node.id.partition(":")
            targets = [(code[:3], 1.0)] if scheme == "ht2016" and len(code) >= 3 else cw.targets(scheme, code)
            for label, w in targets:
                labels[label] = max(w * DEMAND_WEIGHT, labels.get(label, 0.0))
        if text.strip():
            out += [TrainText(text, label, w, "officer") for label, w in sorted(labels.items())]
    return out


def _jieba_words(text: str) -> list[str]:
    return list(_jieba_words_cached(text))


@lru_cache(maxsize=64)
def _jieba_words_cached(text: str) -> tuple[str, ...]:
    """The words of ``text``; the last few texts are kept, since a demand is read by the classifier's vectorizer and
    then by the demand memory (one jieba pass, not two)."""
    return tuple(w.lower() for w in _tokenizer().lcut(text) if len(w.strip()) > 1 or (w.isascii() and w.isalnum()))


_TOKENIZER: Any = None
_TOKENIZER_LOCK = threading.Lock()


def _tokenizer() -> Any:
    """A private jieba tokenizer (the global one is shared with the NLP pipeline's user dictionary)."""
    global _TOKENIZER
    with _TOKENIZER_LOCK:
        if _TOKENIZER is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            _TOKENIZER = tok
    return _TOKENIZER


def _vectorizer(small: bool) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    # Capped vocabularies keep the artefact small (tens of MB) and loading fast.
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=_jieba_words, sublinear_tf=True, min_df=1 if small else 2,
                                  max_features=10_000 if small else 60_000, dtype=np.float32)),
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True, min_df=1 if small else 2,
                                  max_features=20_000 if small else 200_000, dtype=np.float32)),
    ])


@dataclass
class _Head:
    """A one-vs-rest logistic head as plain arrays: ``weights`` is (features × labels), C order, float32."""

    labels: tuple[str, ...]
    weights: np.ndarray
    intercept: np.ndarray

    def proba(self, x: Any) -> np.ndarray:
        """Per-row label probabilities (sigmoid per label, normalised), as sklearn's OvR ``predict_proba``.

        Gathers only the rows of ``weights`` a text's features touch (a sparse × dense product
        through scipy would copy the whole transposed matrix on every call).
        """
        x = x.tocsr()
        scores = np.empty((x.shape[0], len(self.labels)), dtype=np.float64)
        for i in range(x.shape[0]):
            lo, hi = x.indptr[i], x.indptr[i + 1]
            scores[i] = x.data[lo:hi].astype(np.float32) @ self.weights[x.indices[lo:hi]] + self.intercept
        prob = 1.0 / (1.0 + np.exp(-scores))
        return prob / prob.sum(axis=1, keepdims=True)


@dataclass
class FieldModel:
    """The trained linker: one vectorizer, a head per label space (``ht2016``, ``ipc``), and the labelled demands
    it learned from as a :class:`DemandMemory` (mem38; None when trained without any)."""

    vectorizer: Any
    heads: dict[str, _Head]
    meta: dict[str, Any] = field(default_factory=dict)
    memory: DemandMemory | None = None

    def label_prior(self, head: str = "ht2016") -> dict[str, float]:
        """The head's answer to a text with no feature (σ of its intercepts, normalised): the label prior it learned."""
        h = self.heads[head]
        p = 1.0 / (1.0 + np.exp(-h.intercept.astype(np.float64)))
        return dict(zip(h.labels, (float(v) for v in p / p.sum()), strict=True))

    def probabilities(self, text: str, *, head: str = "ht2016") -> dict[str, float]:
        """Every label of ``head`` with its probability given ``text``; {} for a text with no known feature."""
        if not text.strip():
            return {}
        h = self.heads[head]
        x = self.vectorizer.transform([text])
        if x.nnz == 0:
            return {}
        return dict(zip(h.labels, (float(v) for v in h.proba(x)[0]), strict=True))

    def rank(self, text: str, *, head: str = "ht2016", top_k: int | None = 5) -> list[tuple[str, float]]:
        """Labels of ``head`` by probability given ``text``, best first (ties by label); [] for empty text."""
        return ranked(self.probabilities(text, head=head), top_k=top_k)

    def rank_many(self, texts: Sequence[str], *, head: str = "ht2016", top_k: int = 5) -> list[list[tuple[str, float]]]:
        """:meth:`rank` for many texts at once (one matrix product)."""
        h = self.heads[head]
        proba = h.proba(self.vectorizer.transform(list(texts)))
        out = []
        for row, text in zip(proba, texts, strict=True):
            order = sorted(range(len(h.labels)), key=lambda i: (-row[i], h.labels[i]))[:top_k]
            out.append([(h.labels[i], float(row[i])) for i in order] if text.strip() else [])
        return out


def ranked(probabilities: Mapping[str, float], *, top_k: int | None = 5) -> list[tuple[str, float]]:
    """Labels by probability, best first, ties by label.

    >>> ranked({"b": 0.2, "a": 0.2, "c": 0.6}, top_k=2)
    [('c', 0.6), ('a', 0.2)]
    """
    order = sorted(probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
    return order if top_k is None else order[:top_k]


def adjust_for_prior(probabilities: Mapping[str, float], prior: Mapping[str, float]) -> dict[str, float]:
    """``probabilities`` divided by ``prior`` floored by the uniform, renormalised (prior34 in DECISIONS.md).

    A classifier trained on skewed labels leans to its big labels when a text says little it knows;
    dividing its prior out (logit adjustment) removes that lean, and the floor 1/|C| bounds what an
    improbable label can gain (at most |C| × its probability), so a confident answer keeps its place.

    >>> prior = {"207": 0.8, "603": 0.1, "701": 0.1}
    >>> {c: round(p, 3) for c, p in adjust_for_prior({"207": 0.5, "603": 0.3, "701": 0.2}, prior).items()}
    {'207': 0.277, '603': 0.434, '701': 0.289}
    >>> {c: round(p, 3) for c, p in adjust_for_prior({"207": 0.9, "603": 0.05, "701": 0.05}, prior).items()}
    {'207': 0.775, '603': 0.113, '701': 0.113}
    """
    floor = 1.0 / len(prior)
    adjusted = {c: p / (prior[c] + floor) for c, p in probabilities.items()}
    total = sum(adjusted.values())
    return {c: v / total for c, v in adjusted.items()} if total > 0 else adjusted


NAME_WEIGHT = 0.5  # names34 in data/eval/sme-demands/DECISIONS.md (the middle of the plateau 0.3–1.0)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _name_bigrams(text: str) -> list[str]:
    """Character bigrams inside each CJK run (a lone character is left out).

    >>> _name_bigrams("噪声、振动污染防治 5G基站")
    ['噪声', '振动', '动污', '污染', '染防', '防治', '基站']
    """
    return [run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def _unit_tfidf(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """Sublinear tf × idf, scaled to unit length; terms of weight 0 left out, {} when nothing weighs."""
    vec = {g: w for g, n in counts.items() if (w := (1.0 + math.log(n)) * idf[g]) > 0}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {g: v / norm for g, v in vec.items()} if norm > 0 else {}


@dataclass(frozen=True)
class FieldNames:
    """Each ht2016 second-level field's name document (its own name and its third-level names) as a unit
    TF-IDF vector of character bigrams: the taxonomy's own words, the second voice of :func:`blend_with_names`."""

    idf: Mapping[str, float]
    vectors: Mapping[str, Mapping[str, float]]

    def similarity(self, text: str) -> dict[str, float]:
        """The cosine of ``text`` and each field's name document (fields sharing no bigram are left out).

        >>> names = field_names([{"code": "704", "name": "物理性污染防治技术", "level": "2", "parent_code": "70"},
        ...                      {"code": "70401", "name": "噪声、振动污染防治技术", "level": "3", "parent_code": "704"},
        ...                      {"code": "601", "name": "可再生清洁能源", "level": "2", "parent_code": "60"},
        ...                      {"code": "60102", "name": "风能", "level": "3", "parent_code": "601"}])
        >>> {c: round(v, 3) for c, v in names.similarity("冲床振动影响隔壁车间").items()}
        {'704': 0.222}
        """
        q = _unit_tfidf(Counter(g for g in _name_bigrams(text) if g in self.idf), self.idf)
        out = {c: sum(v * vec.get(g, 0.0) for g, v in q.items()) for c, vec in self.vectors.items()}
        return {c: v for c, v in out.items() if v > 0}


def field_names(rows: Iterable[Mapping[str, str]]) -> FieldNames:
    """:class:`FieldNames` from the taxonomy's rows (``code``, ``name``, ``level``, ``parent_code``); idf over the
    second-level fields' name documents, sublinear tf."""
    docs: dict[str, list[str]] = {}
    for r in rows:
        if r["level"] == "2":
            docs.setdefault(r["code"], []).insert(0, r["name"])
        elif r["level"] == "3":
            docs.setdefault(r["parent_code"], []).append(r["name"])
    grams = {c: Counter(_name_bigrams(" ".join(names))) for c, names in docs.items()}
    df = Counter(g for counts in grams.values() for g in counts)
    idf = {g: math.log(len(docs) / n) for g, n in df.items()}
    return FieldNames(idf, {c: _unit_tfidf(counts, idf) for c, counts in grams.items()})


@cache
def get_field_names() -> FieldNames:
    """:func:`field_names` of the shipped 2016 taxonomy, built once."""
    return field_names(_read(HT2016_PATH))


def blend_with_names(adjusted: Mapping[str, float], names: Mapping[str, float], *,
                     weight: float = NAME_WEIGHT) -> dict[str, float]:
    """``adjusted`` (prior-adjusted probabilities) + ``weight`` × the name cosines, renormalised to sum 1; only
    the labels of ``adjusted`` (names34 in DECISIONS.md).

    >>> {c: round(p, 3) for c, p in blend_with_names({"603": 0.6, "602": 0.4}, {"602": 0.5}).items()}
    {'603': 0.48, '602': 0.52}
    """
    blended = {c: p + weight * names.get(c, 0.0) for c, p in adjusted.items()}
    total = sum(blended.values())
    return {c: v / total for c, v in blended.items()} if total > 0 else blended


def _fit_head(x: Any, labels: Sequence[str], weights: Sequence[float], *, seed: int, alpha: float,
              balanced: bool, epochs: int) -> _Head:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier

    classes = tuple(sorted(set(labels)))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    w = np.asarray(weights, dtype=float)
    if balanced:  # damp the big classes (√ of the weight share), so 5,000 G06F titles do not drown 50 rocket ones
        totals: Counter[str] = Counter()
        for label, wt in zip(labels, weights, strict=True):
            totals[label] += wt
        mean = sum(totals.values()) / len(totals)
        w = w * np.array([(mean / totals[label]) ** 0.5 for label in labels])
    clf = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, random_state=seed)
    with warnings.catch_warnings():  # a fixed number of epochs is the point, not convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y, sample_weight=w)
    coef, intercept = clf.coef_, clf.intercept_
    if len(classes) == 2:  # sklearn keeps one row for the positive class; σ(s) and σ(-s) normalise to the same
        coef, intercept = np.vstack([-coef[0], coef[0]]), np.array([-intercept[0], intercept[0]])
    return _Head(classes, np.ascontiguousarray(coef.T, dtype=np.float32), intercept.astype(np.float32))


MEMORY_WEIGHT = 0.35  # mem38 in data/eval/sme-demands/DECISIONS.md (the middle of the plateau 0.2–0.5)
MEMORY_K = 50
MEMORY_SOURCES = ("demands", "officer")


def _memory_tokens(text: str) -> list[str]:
    """jieba words plus ``#``-marked CJK bigrams (:func:`ingest.bm25.with_bigrams`, the layout of the experts' BM25
    index tokens), here for demands.

    >>> _memory_tokens("锂电池 AI检测")[-4:]
    ['#锂电', '#电池', '#ai', '#检测']
    """
    return with_bigrams(_jieba_words(text), text)


@dataclass
class DemandMemory:
    """The labelled demands (enterprise wording) a linker learned from, kept whole: a demand's nearest labelled
    demands by BM25 vote for their fields (mem38). The classifier generalises over 17,000 academic texts and a few
    hundred demands; the memory lets a firm's wording reach the demands written in the same words.

    ``texts`` and ``labels`` are parallel: each text once, its labels with their weights.
    """

    texts: tuple[str, ...]
    labels: tuple[tuple[tuple[str, float], ...], ...]
    k1: float = 1.2
    b: float = 0.75
    _bm25: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import bm25s

        vocab: dict[str, int] = {}
        corpus = [[vocab.setdefault(t, len(vocab)) for t in _memory_tokens(text)] for text in self.texts]
        self._bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if any(corpus):
            self._bm25.index((corpus, vocab), show_progress=False)

    def votes(self, text: str, *, k: int = MEMORY_K) -> dict[str, float]:
        """The fields of the ``k`` labelled demands nearest to ``text``, each weighted by its BM25 score × the label's
        weight, normalised to sum 1; {} when no labelled demand shares a token with ``text``.

        >>> memory = demand_memory([TrainText("电镀废水含镍超标", "701", 3.0, "demands"),
        ...                         TrainText("锂电池低温容量衰减", "603", 3.0, "demands")])
        >>> memory.votes("电镀车间废水镍离子")
        {'701': 1.0}
        >>> memory.votes("区块链")
        {}
        """
        vocab = getattr(self._bm25, "vocab_dict", None) or {}
        tokens = [t for t in _memory_tokens(text) if t in vocab]
        if not tokens:
            return {}
        scores = bm25_scores(self._bm25, tokens)
        hits = np.flatnonzero(scores > 0)
        order = hits[np.lexsort((hits, -scores[hits]))][:k]  # best first, ties by position
        out: dict[str, float] = {}
        for i, score in zip(order.tolist(), scores[order].tolist(), strict=True):
            for label, w in self.labels[i]:
                out[label] = out.get(label, 0.0) + score * w
        total = sum(out.values())
        return {c: v / total for c, v in sorted(out.items())} if total > 0 else {}


def demand_memory(texts: Iterable[TrainText]) -> DemandMemory | None:
    """A :class:`DemandMemory` of the texts from labelled demands (:data:`MEMORY_SOURCES`), each text once with the
    largest weight of each of its labels, in first-seen order; None when there are none."""
    by_text: dict[str, dict[str, float]] = {}
    for t in texts:
        if t.source in MEMORY_SOURCES and t.text.strip():
            labels = by_text.setdefault(t.text, {})
            labels[t.label] = max(t.weight, labels.get(t.label, 0.0))
    if not by_text:
        return None
    return DemandMemory(tuple(by_text), tuple(tuple(sorted(v.items())) for v in by_text.values()))


def blend_with_memory(blended: Mapping[str, float], votes: Mapping[str, float], *,
                      weight: float = MEMORY_WEIGHT) -> dict[str, float]:
    """``(1 − weight)`` × ``blended`` + ``weight`` × the memory's ``votes``, over the labels of ``blended`` (mem38).

    >>> {c: round(p, 3) for c, p in blend_with_memory({"603": 0.6, "701": 0.4}, {"701": 1.0}).items()}
    {'603': 0.39, '701': 0.61}
    """
    return {c: (1.0 - weight) * p + weight * votes.get(c, 0.0) for c, p in blended.items()}


def train_field_model(*, texts: Sequence[TrainText] | None = None, small: bool = False, seed: int = SEED,
                      alpha: float = 2e-5, balanced: bool = True, epochs: int = 5,
                      ipc_head: bool = False) -> FieldModel:
    """Train the linker on :func:`training_texts` (``small``: 300 rows per source, for tests).

    ``ipc_head`` adds an IPC subclass head trained on the patents' train split (the benchmark
    uses it; the shipped linker leaves it out — 449 labels would make the artefact ten times larger).

    The defaults (5 epochs, alpha 2e-5, balanced) were chosen on the dev part of the SME demand
    set (bench/field_linking.py); deterministic for given inputs and seed.
    """
    texts = list(texts) if texts is not None else training_texts(per_source=300 if small else None)
    if not texts:
        raise ValueError("no training texts")
    patents = patent_rows("train")[: 300 if small else None] if ipc_head else []
    ipc_rows = [(title, sub) for _, title, subs in patents for sub in subs]
    vec = _vectorizer(small)
    x_all = vec.fit_transform([t.text for t in texts] + [title for title, _ in ipc_rows])
    n = len(texts)
    heads = {"ht2016": _fit_head(x_all[:n], [t.label for t in texts], [t.weight for t in texts], seed=seed,
                                 alpha=alpha, balanced=balanced, epochs=epochs)}
    if ipc_rows:
        heads["ipc"] = _fit_head(x_all[n:], [s for _, s in ipc_rows], [1.0] * len(ipc_rows), seed=seed,
                                 alpha=alpha, balanced=False, epochs=epochs)
    meta = {"version": MODEL_VERSION, "seed": seed, "alpha": alpha, "balanced": balanced, "epochs": epochs,
            "small": small, "rows": dict(sorted(Counter(t.source for t in texts).items())), "ipc_rows": len(ipc_rows)}
    memory = demand_memory(texts)
    meta["memory"] = len(memory.texts) if memory else 0
    log.info("trained the field linker on %d texts (%s)", len(texts), meta["rows"])
    return FieldModel(vec, heads, meta, memory)


def model_path() -> Path:
    """Where the linker is read from and written to (``KGMATCH_FIELD_MODEL`` or ``var/models/``)."""
    env = env_value("KGMATCH_FIELD_MODEL").strip()
    return Path(env) if env else _DEFAULT_MODEL


def save_model(model: FieldModel, path: Path | None = None) -> Path:
    """Write ``model`` (pickle, written to a temporary name first so readers never see half a file)."""
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    return path


def load_model(path: Path | None = None) -> FieldModel:
    """Read a model written by :func:`save_model` (a file this project built; never load one from elsewhere)."""
    with (path or model_path()).open("rb") as fh:
        model = pickle.load(fh)  # noqa: S301 - our own artefact, built by train-linker on this machine
    if not isinstance(model, FieldModel) or model.meta.get("version") != MODEL_VERSION:
        raise ValueError(f"{path or model_path()} is not a field linker of version {MODEL_VERSION}")
    return model


_CACHE: dict[Path, FieldModel] = {}
_CACHE_LOCK = threading.Lock()


def get_field_model() -> FieldModel:
    """The linker at :func:`model_path`, loaded once; trained (and saved) first when the file is missing."""
    path = model_path()
    with _CACHE_LOCK:
        if path not in _CACHE:
            try:
                _CACHE[path] = load_model(path)
            except (FileNotFoundError, ValueError, pickle.UnpicklingError, EOFError, AttributeError):
                log.warning("field linker %s missing or stale: training it now (kgmatch train-linker)", path)
                small = env_value("KGMATCH_FIELD_MODEL_SMALL") == "1"
                model = train_field_model(small=small)
                save_model(model, path)
                _CACHE[path] = model
        return _CACHE[path]


def summarize(texts: Iterable[TrainText]) -> dict[str, dict[str, int]]:
    """Rows per source and label (for the SOURCE note and the bench)."""
    out: dict[str, Counter[str]] = {}
    for t in texts:
        out.setdefault(t.source, Counter())[t.label] += 1
    return {s: dict(sorted(c.items())) for s, c in sorted(out.items())}
