"""Find experts by text over the whole graph: BM25 plus an activity prior learned from the graph.

Two things predict who can take on (and is likely to win) a new problem:

1. **What they work on.** BM25 over each expert's profile — keywords and project titles,
   the latest title counted twice — with an analyzer that keeps the segmenter's words
   *and* adds CJK character bigrams (the CJK analyzer of Lucene/Neo4j does the
   same), because short Chinese titles share bigrams more often than whole words.
   ``b`` is low (setting ``index_bm25_b``, 0.2): a long project record is evidence, not noise.
2. **Where they are in their project cycle.** An expert whose last project started
   three years ago is finishing it and free for the next; one who started last year is
   busy. The prior is ``P(starts a project in the next two years | years since the last
   start, number of projects, anything still running)``, estimated from the graph's own
   history (a temporal split inside the data, never the queries), smoothed toward the
   base rate.

The score is ``bm25 / max(bm25) + w · log(prior)``; :func:`calibrate` picks ``w`` on
pseudo-queries from the last two years of the graph's own history.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import bm25s
import numpy as np

from ingest.bm25 import bm25_scores, with_bigrams
from recommend import metrics
from recommend.config import DEFAULTS
from recommend.profiles import ExpertProfile
from recommend.scoring import activity_features, cjk_bigrams
from recommend.text import bm25_ceiling, bm25_idf

__all__ = ["cjk_bigrams", "analyzer", "with_bigrams", "ActivityPrior", "fit_activity_prior", "recent_end", "graph_prior", "ExpertIndex",
           "calibrate", "text_digest", "TokenCache", "tokenized_profiles"]

log = logging.getLogger(__name__)

Tokenize = Callable[[str], list[str]]
PRIOR_WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)


def analyzer(tokenize: Tokenize) -> Tokenize:
    """Words from ``tokenize`` plus ``#``-marked CJK bigrams (:func:`with_bigrams`)."""
    def analyze(text: str) -> list[str]:
        return with_bigrams(tokenize(text), text)
    return analyze


def _features(profile: ExpertProfile, ref_year: int) -> tuple[int, int, int] | None:
    """(years since the last start ≤ 8, projects ≤ 4, 1 if one still runs at ref_year) from projects before ref_year
    (:func:`recommend.scoring.activity_features`, the one implementation the ``activity`` component uses too)."""
    return activity_features(profile.projects, ref_year)


@dataclass(frozen=True)
class ActivityPrior:
    """Smoothed rates of starting a new project within ``window`` years, by activity features."""

    rates: dict[tuple[int, int, int], float]
    base_rate: float

    def log_prior(self, profile: ExpertProfile, ref_year: int) -> float:
        """log P(new project soon) for this expert as of ``ref_year``."""
        f = _features(profile, ref_year)
        return math.log(self.rates.get(f, self.base_rate) if f else self.base_rate)

    def table(self) -> dict[tuple[int, int, int], float]:
        """The rates by feature tuple, for the ``activity`` component (:func:`recommend.scoring.activity`)."""
        return dict(self.rates)


def fit_activity_prior(profiles: Sequence[ExpertProfile], *, ref_year: int, window: int = 2,
                       smoothing: float = 5.0) -> ActivityPrior:
    """Estimate the prior at ``ref_year`` from history: features as of ``ref_year - window``,
    positive when the expert started a project in ``[ref_year - window, ref_year)``.

    >>> from recommend.scoring import ProjectFact as P
    >>> busy = ExpertProfile("a", "甲", None, None, (), (P("p1", "t", "lead", 2010, 2013), P("p2", "t", "lead", 2012, 2015)))
    >>> idle = ExpertProfile("b", "乙", None, None, (), (P("p3", "t", "lead", 2005, 2008),))
    >>> prior = fit_activity_prior([busy, idle], ref_year=2014, smoothing=0)
    >>> prior.rates, prior.base_rate  # busy (2 years since a start, still running) did start again
    ({(2, 1, 1): 1.0, (7, 1, 0): 0.0001}, 0.5)
    """
    cut = ref_year - window
    counts: dict[tuple[int, int, int], list[int]] = {}
    for profile in profiles:
        f = _features(profile, cut)
        if f is None:
            continue
        started = any(p.start_year is not None and cut <= p.start_year < ref_year for p in profile.projects)
        c = counts.setdefault(f, [0, 0])
        c[0] += int(started)
        c[1] += 1
    total = sum(c[1] for c in counts.values())
    base = (sum(c[0] for c in counts.values()) / total) if total else 0.1
    base = min(max(base, 1e-4), 1 - 1e-4)
    rates = {f: max((c[0] + smoothing * base) / (c[1] + smoothing), 1e-4) for f, c in sorted(counts.items())}
    return ActivityPrior(rates, base)


def recent_end(profiles: Sequence[ExpertProfile], *, share: float = 0.1) -> int | None:
    """One after the latest year in which at least ``share`` of the busiest year's led projects started
    (a couple of stray late records do not make an empty history window); None without dated projects."""
    counts: dict[int, int] = {}
    for p in profiles:
        for x in p.projects:
            if x.role == "lead" and x.start_year is not None:
                counts[x.start_year] = counts.get(x.start_year, 0) + 1
    if not counts:
        return None
    busiest = max(counts.values())
    return max(y for y, n in counts.items() if n >= share * busiest) + 1


def graph_prior(profiles: Sequence[ExpertProfile], *, ref_year: int | None = None) -> ActivityPrior | None:
    """The activity prior of a graph: fitted at ``ref_year`` (default :func:`recent_end`, the end of the
    graph's own recent history, so a demo whose projects stop years before today still has one)."""
    year = ref_year if ref_year is not None else recent_end(profiles)
    return fit_activity_prior(profiles, ref_year=year) if year is not None else None


def _doc(profile: ExpertProfile, ref_year: int, repeat_latest: bool) -> str:
    titles = [p.title for p in profile.projects if p.start_year is None or p.start_year < ref_year]
    return "\n".join([" ".join(profile.keywords), *titles, *(titles[-1:] if repeat_latest else [])])


def text_digest(text: str) -> bytes:
    """A stable 8-byte digest of a profile text: pre-tokenised words are reused only for the same text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


TokenCache = Mapping[str, tuple[bytes, tuple[str, ...]]]
"""Per expert id: (digest of the profile text, its words from the tokenizer)."""

PARALLEL_FROM = 20_000
"""From this many profiles on, :func:`tokenized_profiles` tokenises in worker processes (fewer: in this one)."""


def _tokenize_chunk(tokenize: Tokenize, texts: list[str]) -> list[tuple[str, ...]]:
    return [tuple(tokenize(t)) for t in texts]


def tokenized_profiles(profiles: Sequence[ExpertProfile], tokenize: Tokenize, *, ref_year: int,
                       repeat_latest: bool = True, workers: int | None = None, chunk: int = 2000) -> dict[str, tuple[bytes, tuple[str, ...]]]:
    """Every profile's (text digest, words), as :class:`ExpertIndex` takes them (``token_cache``), tokenised by
    ``workers`` processes (default: the machine's cores, at most 4; one, i.e. here, below :data:`PARALLEL_FROM`
    profiles). The result does not depend on the number of workers: each profile text is tokenised alone, and the
    chunks come back in order. The workers are started fresh (``spawn``), so they do not share the caller's
    memory, and at most two chunks per worker are in flight; equal words are kept as one string here."""
    n = workers if workers is not None else min(os.cpu_count() or 1, 4)
    texts = (_doc(p, ref_year, repeat_latest) for p in profiles)
    out: dict[str, tuple[bytes, tuple[str, ...]]] = {}
    pool_words: dict[str, str] = {}
    if n <= 1 or len(profiles) < PARALLEL_FROM:
        for profile, text in zip(profiles, texts, strict=True):
            out[profile.id] = (text_digest(text), tuple(tokenize(text)))
        return out
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(n) as pool:
        pending: deque = deque()
        starts = range(0, len(profiles), chunk)

        def take() -> None:
            start, digests, job = pending.popleft()
            for offset, (digest, words) in enumerate(zip(digests, job.get(), strict=True)):
                out[profiles[start + offset].id] = (digest, tuple(pool_words.setdefault(w, w) for w in words))

        for start in starts:
            part = [next(texts) for _ in range(min(chunk, len(profiles) - start))]
            pending.append((start, [text_digest(t) for t in part],
                            pool.apply_async(_tokenize_chunk, (tokenize, part))))
            if len(pending) >= 2 * n:
                take()
        while pending:
            take()
    return out


V = TypeVar("V")


class Overlay(Mapping[str, V]):
    """A mapping that is a shared ``base`` dict with a few keys replaced, added (``top``) or removed
    (``gone``): deriving one with a few changes (:meth:`changed`) costs those changes, not a copy of the
    base (issue 17: an update of the 151k profiles of the 10× graph copied them on every write).

    >>> a = Overlay({"x": 1, "y": 2}).changed({"z": 3}, removed={"x"})
    >>> dict(a), len(a), "x" in a
    ({'y': 2, 'z': 3}, 2, False)
    """

    __slots__ = ("_base", "_top", "_gone")

    def __init__(self, base: Mapping[str, V], top: dict[str, V] | None = None,
                 gone: frozenset[str] = frozenset()) -> None:
        self._base, self._top, self._gone = base, top or {}, gone  # gone: keys of base, never in top

    def __getitem__(self, key: str) -> V:
        top = self._top
        if key in top:
            return top[key]
        if key in self._gone:
            raise KeyError(key)
        return self._base[key]

    def get(self, key: str, default: V | None = None) -> V | None:  # type: ignore[override]
        """The value of ``key``, or ``default`` (without the exception of the generic ``Mapping.get``)."""
        hit = self._top.get(key)
        if hit is not None:
            return hit
        if key in self._gone:
            return default
        return self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._top or (key in self._base and key not in self._gone)

    def __iter__(self) -> Iterator[str]:
        top, gone = self._top, self._gone
        yield from (k for k in self._base if k not in top and k not in gone)
        yield from top

    def __len__(self) -> int:
        return (len(self._base) + sum(1 for k in self._top if k not in self._base)
                - sum(1 for k in self._gone if k in self._base))

    def changed(self, values: Mapping[str, V], removed: Iterable[str] = ()) -> Overlay[V]:
        """A new overlay on the same base with ``values`` set and ``removed`` dropped."""
        top, gone = dict(self._top), set(self._gone)
        for key in removed:
            top.pop(key, None)
            if key in self._base:
                gone.add(key)
        top.update(values)
        gone.difference_update(values)
        return Overlay(self._base, top, frozenset(gone))

    def __getstate__(self) -> tuple:
        return self._base, self._top, self._gone

    def __setstate__(self, state: tuple) -> None:
        self._base, self._top, self._gone = state


def _overlay(mapping: Mapping[str, V]) -> Overlay[V]:
    return mapping if isinstance(mapping, Overlay) else Overlay(mapping)


DELTA_SHARE = 0.02
"""Changed profiles kept beside the BM25 matrix, as a share of the indexed ones, before a rebuild."""
DELTA_FLOOR = 2000
"""Smaller indexes are rebuilt whole on every update (a matter of milliseconds, and exact)."""


class ExpertIndex:
    """Text + activity-prior retrieval over experts, as of ``ref_year`` (later projects unseen).

    Keeps each profile and its words (:attr:`words`), so the recommendation scores candidate
    profiles without re-tokenising them (:meth:`words_for`) and a write that changes a few
    profiles gives a new index (:meth:`updated`) that tokenises only those.

    A write that changes few profiles (up to :data:`DELTA_SHARE` of them) does not rebuild the
    BM25 matrix: :meth:`updated` returns an index sharing this one's matrix, with the changed
    profiles' term counts kept beside it (the *delta*) and their old rows masked; :meth:`scores`
    scores the delta with the same BM25 formula and the base corpus's statistics (document
    frequencies, average length), which a few documents barely move. Beyond that share the
    index is rebuilt whole, folding the delta in (issue 17: the next recommendation after a
    write within 1.5× of the one before).
    """

    def __init__(self, profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, ref_year: int,
                 prior: ActivityPrior | None = None, prior_weight: float = 0.0,
                 k1: float = DEFAULTS["index_bm25_k1"], b: float = DEFAULTS["index_bm25_b"],
                 bigrams: bool = True, repeat_latest: bool = True, token_cache: TokenCache | None = None,
                 pause: Callable[[], None] | None = None):
        self.ref_year = ref_year
        self.prior_weight = prior_weight
        self._args = {"tokenize": tokenize, "ref_year": ref_year, "prior": prior, "prior_weight": prior_weight,
                      "k1": k1, "b": b, "bigrams": bigrams, "repeat_latest": repeat_latest}
        self._analyze = analyzer(tokenize) if bigrams else tokenize
        self.profiles: Mapping[str, ExpertProfile] = {}  # a dict, or an Overlay of one after a patch
        self.words: Mapping[str, tuple[bytes, tuple[str, ...]]] = {}
        # the docs go to bm25s as token ids of one vocabulary built here (bm25s's own ids path: the same
        # numbers as from the token lists), never as lists of strings: at 100× those lists were ~9 KB an expert
        corpus: list[list[int]] = []
        ids: list[str] = []
        vocab: dict[str, int] = {}
        total = 0
        for n, profile in enumerate(profiles):
            if pause is not None and n % 500 == 499:
                pause()  # a background rebuild lets the requests it runs beside have the interpreter
            text = _doc(profile, ref_year, repeat_latest)
            digest = text_digest(text)
            hit = token_cache.get(profile.id) if token_cache is not None else None
            words = hit[1] if hit is not None and hit[0] == digest else tuple(tokenize(text))
            self.profiles[profile.id] = profile
            self.words[profile.id] = (digest, words)
            tokens = with_bigrams(words, text) if bigrams else words
            if tokens:
                ids.append(profile.id)
                corpus.append([vocab.setdefault(t, len(vocab)) for t in tokens])
                total += len(tokens)
        self.ids = ids
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._vocab = frozenset(vocab)
        if corpus:
            self._bm25.index((corpus, vocab), show_progress=False)
        by_id = self.profiles
        self._log_prior = np.array([prior.log_prior(by_id[i], ref_year) if prior else 0.0 for i in ids])
        # the delta (see the class docstring): none in a freshly built index
        self._base_n = len(ids)
        self._avgdl = total / len(corpus) if corpus else 1.0
        del corpus
        self._delta: dict[str, tuple[Counter, int]] = {}  # expert id -> (term counts, length)
        self._delta_pos: dict[str, int] = {}  # expert id -> position in ids
        self._gone: set[str] = set()  # removed, or no longer with any term
        self._masked = np.zeros(0, dtype=np.int64)  # base positions whose rows are stale
        self._base_pos = {e: n for n, e in enumerate(ids)}  # shared by every patched copy
        # the profiles' semantic vectors (recommend.semantics.ProfileVectors), attached by the index cache
        self.vectors: object | None = None

    def __copy__(self) -> ExpertIndex:
        new = object.__new__(ExpertIndex)  # not through __getstate__/__setstate__: those are O(index size)
        new.__dict__.update(self.__dict__)
        return new

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_analyze"]  # a closure; rebuilt from the arguments on load
        state.pop("_base_pos", None)  # derived from ids; rebuilt on load
        state.pop("_pos", None)
        for name in ("profiles", "words"):  # plain dicts on disk (pickling copies them anyway)
            if isinstance(state[name], Overlay):
                state[name] = dict(state[name])
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        tokenize = self._args["tokenize"]
        self._analyze = analyzer(tokenize) if self._args["bigrams"] else tokenize
        self._base_pos = {e: n for n, e in enumerate(self.ids[:self._base_n])}

    def words_for(self, expert_id: str, text: str, tokenize: Tokenize) -> tuple[str, ...] | None:
        """``tokenize(text)`` from the index when ``text`` is this expert's indexed profile text and
        ``tokenize`` the index's tokenizer; else None (the caller tokenises)."""
        if tokenize is not self._args["tokenize"]:
            return None
        hit = self.words.get(expert_id)
        return hit[1] if hit is not None and hit[0] == text_digest(text) else None

    @property
    def tokenizer(self) -> Tokenize:
        """The tokenizer the index's words come from."""
        return self._args["tokenize"]

    def texts(self, ids: Iterable[str] | None = None) -> Iterable[tuple[str, bytes, tuple[str, ...], str]]:
        """(expert id, text digest, words, profile text) of the indexed profiles (all, or those of ``ids``
        still indexed): what :class:`recommend.semantics.ProfileVectors` is computed from."""
        ref_year, repeat_latest = self._args["ref_year"], self._args["repeat_latest"]
        for expert_id in (self.profiles if ids is None else ids):
            profile = self.profiles.get(expert_id)
            if profile is not None:
                digest, words = self.words[expert_id]
                yield expert_id, digest, words, _doc(profile, ref_year, repeat_latest)

    def patchable(self, n: int) -> bool:
        """Whether ``n`` more changed profiles fit in the delta (else :meth:`updated` rebuilds)."""
        return (self._base_n >= DELTA_FLOOR
                and len(self._delta) + len(self._gone) + n <= DELTA_SHARE * self._base_n)

    def updated(self, changed: Iterable[ExpertProfile], removed: Iterable[str] = (),
                pause: Callable[[], None] | None = None, *, rebuild: bool | None = None) -> ExpertIndex:
        """A new index with ``changed`` profiles replaced or added and ``removed`` ids dropped;
        unchanged profiles keep their words (only changed texts are tokenised). Few changes go
        into the delta beside this index's BM25 matrix; more (or ``rebuild=True``) rebuild it."""
        changed, removed = list(changed), set(removed)
        if rebuild is None:
            rebuild = not self.patchable(len({p.id for p in changed} | removed))
        if not rebuild:
            return self._patched(changed, removed)
        profiles = dict(self.profiles)
        for expert_id in removed:
            profiles.pop(expert_id, None)
        for profile in changed:
            profiles[profile.id] = profile
        return ExpertIndex([profiles[i] for i in sorted(profiles)], token_cache=self.words, pause=pause, **self._args)

    def __len__(self) -> int:
        return len(self.ids)

    def _patched(self, changed: list[ExpertProfile], removed: set[str]) -> ExpertIndex:
        """The delta update: costs the changed profiles, never a copy of the whole index's tables (the
        profiles and words become an :class:`Overlay` of this index's, base positions are shared)."""
        new = copy.copy(self)
        new._delta, new._gone = dict(self._delta), set(self._gone)
        args = self._args
        profiles: dict[str, ExpertProfile] = {}
        words_of: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        for expert_id in removed:
            new._delta.pop(expert_id, None)
            new._gone.add(expert_id)
        for profile in changed:
            text = _doc(profile, args["ref_year"], args["repeat_latest"])
            digest = text_digest(text)
            hit = self.words.get(profile.id)
            words = hit[1] if hit is not None and hit[0] == digest else tuple(args["tokenize"](text))
            profiles[profile.id] = profile
            words_of[profile.id] = (digest, words)
            tokens = with_bigrams(words, text) if args["bigrams"] else list(words)
            if tokens:
                new._delta[profile.id] = (Counter(tokens), len(tokens))
                new._gone.discard(profile.id)
            else:
                new._delta.pop(profile.id, None)
                new._gone.add(profile.id)
        gone = removed - set(profiles)
        new.profiles = _overlay(self.profiles).changed(profiles, removed=gone)
        new.words = _overlay(self.words).changed(words_of, removed=gone)
        base_pos = self._base_pos
        new.ids = self.ids[:self._base_n]
        new._log_prior = self._log_prior[:self._base_n].copy()
        new._delta_pos = {}
        prior = args["prior"]
        extra_prior = []
        for expert_id in sorted(new._delta):
            value = prior.log_prior(new.profiles[expert_id], args["ref_year"]) if prior else 0.0
            if expert_id in base_pos:
                new._delta_pos[expert_id] = base_pos[expert_id]
                new._log_prior[base_pos[expert_id]] = value
            else:
                new._delta_pos[expert_id] = len(new.ids)
                new.ids.append(expert_id)
                extra_prior.append(value)
        new._log_prior = np.concatenate([new._log_prior, np.array(extra_prior)])
        new._masked = np.array(sorted(base_pos[i] for i in (*new._delta, *new._gone) if i in base_pos),
                               dtype=np.int64)
        return new

    def _idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Each term's BM25 idf over the indexed profiles (base and delta; 0 for a term no profile has)."""
        vocab, indptr = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        n_docs = self._base_n + sum(1 for i in self._delta_pos.values() if i >= self._base_n)
        idf: dict[str, float] = {}
        for t in set(terms):
            tid = vocab.get(t) if t in self._vocab else None
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0
            df += sum(1 for counts, _ in self._delta.values() if t in counts)
            idf[t] = bm25_idf(n_docs, df) if df else 0.0
        return idf

    def _delta_scores(self, terms: list[str], raw: np.ndarray, idf: Mapping[str, float]) -> None:
        """Score the delta's profiles into ``raw`` with the base corpus's statistics (``idf``: :meth:`_idf` of ``terms``)."""
        if len(self._masked):
            raw[self._masked] = 0.0
        if not self._delta:
            return
        k1, b = self._args["k1"], self._args["b"]
        for expert_id, (counts, length) in self._delta.items():
            norm = k1 * ((1 - b) + b * length / self._avgdl)
            raw[self._delta_pos[expert_id]] = sum(idf[t] * counts[t] / (norm + counts[t]) for t in terms if t in counts)

    @property
    def prior(self) -> ActivityPrior | None:
        """The activity prior this index was built with (None without one)."""
        return self._args["prior"]

    def position(self, expert_id: str) -> int | None:
        """The row of ``expert_id`` in :meth:`text_scores` (None when not indexed)."""
        n = self._delta_pos.get(expert_id)
        return n if n is not None else self._base_pos.get(expert_id)

    def text_scores(self, text: str, *, words: Sequence[str] | None = None) -> np.ndarray:
        """BM25 of ``text`` against every indexed profile divided by the best (aligned with :attr:`ids`;
        all 0 when no word of ``text`` is indexed). ``words``: ``tokenize(text)`` with the index's
        tokenizer when the caller has it already (the index adds its bigrams), so a demand is tokenised
        once per request."""
        return self.scaled_text_scores(text, words=words)[0]

    def scaled_text_scores(self, text: str, *, words: Sequence[str] | None = None, floor: float = 0.0
                           ) -> tuple[np.ndarray, float]:
        """:meth:`text_scores` without the floor, and the factor (≤ 1) the floor puts on every one of them: the best
        score over ``floor`` × the score of an average-length profile holding every indexed word of the text once
        (:func:`recommend.text.bm25_ceiling`), when that is smaller than 1. Callers that choose candidates use the
        scores, and apply the factor only to the few they score (:mod:`recommend.engine`)."""
        if not self.ids:
            return np.zeros(0), 1.0
        if words is None:
            terms = self._analyze(text)
        else:
            terms = with_bigrams(words, text) if self._args["bigrams"] else list(words)
        tokens = [t for t in terms if t in self._vocab]
        idf = self._idf(terms) if self._delta or floor > 0 else {}
        if self._delta or self._gone:
            raw = np.zeros(len(self.ids), dtype=np.float32)
            if tokens and self._base_n:
                raw[:self._base_n] = bm25_scores(self._bm25, tokens)
            self._delta_scores(terms, raw, idf)
        elif not tokens:  # no word the index knows (「ß」, 「🙂」): nobody matches, and bm25s would fail
            return np.zeros(len(self.ids)), 1.0
        else:
            raw = bm25_scores(self._bm25, tokens)
        top = float(raw.max())
        if top <= 0:
            return raw, 1.0
        ceiling = floor * bm25_ceiling([idf[t] for t in terms if idf.get(t)], self._args["k1"]) if floor > 0 else 0.0
        return raw / top, (top / ceiling if ceiling > top else 1.0)

    def combined(self, text_part: np.ndarray) -> np.ndarray:
        """``text_part`` plus the weighted log prior (the search score)."""
        return text_part + self.prior_weight * self._log_prior if self.prior_weight else text_part

    def scores(self, text: str) -> np.ndarray:
        """The combined score of every indexed expert (aligned with :attr:`ids`)."""
        return self.combined(self.text_scores(text))

    def top(self, s: np.ndarray, *, k: int) -> list[tuple[str, float]]:
        """The ``k`` best of the scores ``s`` (aligned with :attr:`ids`) as (id, score), best first, ties by
        position; empty when nothing scores (the query is a miss, not a lottery by prior)."""
        if not len(s) or not s.any():
            return []
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((top, -s[top]))]
        return [(self.ids[i], float(s[i])) for i in top]

    def search(self, text: str, *, k: int = 100) -> list[tuple[str, float]]:
        """The ``k`` best experts for ``text`` as (id, score), best first, ties by position."""
        return self.top(self.scores(text), k=k)


def _pseudo_queries(profiles: Sequence[ExpertProfile], cut: int, ref_year: int) -> list[tuple[str, str]]:
    """(title, lead expert) for projects started in [cut, ref_year) by experts with a project before cut."""
    out = []
    for profile in profiles:
        if not any(p.start_year is not None and p.start_year < cut for p in profile.projects):
            continue
        out += [(p.title, profile.id) for p in profile.projects
                if p.role == "lead" and p.start_year is not None and cut <= p.start_year < ref_year]
    return sorted(out)


def calibrate(profiles: Sequence[ExpertProfile], *, tokenize: Tokenize, ref_year: int, window: int = 2,
              max_queries: int = 600, seed: int = 0) -> tuple[ActivityPrior, float, dict[float, float]]:
    """Choose the prior weight on the graph's own recent history, then fit the prior at ``ref_year``.

    Pseudo-queries are projects started in the last ``window`` years before ``ref_year``
    (at most ``max_queries``, sampled with ``seed``); they are ranked against an index
    of everything older, with a prior fitted further back, for each weight in
    :data:`PRIOR_WEIGHTS`. Returns (prior at ref_year, best weight, {weight: MRR}).
    """
    cut = ref_year - window
    queries = _pseudo_queries(profiles, cut, ref_year)
    if len(queries) > max_queries:
        rng = np.random.default_rng(seed)
        queries = [queries[i] for i in sorted(rng.choice(len(queries), max_queries, replace=False))]
    history = [replace(p, projects=tuple(x for x in p.projects if x.start_year is None or x.start_year < cut))
               for p in profiles]
    past_prior = fit_activity_prior(history, ref_year=cut, window=window)
    index = ExpertIndex(history, tokenize=tokenize, ref_year=cut, prior=past_prior, prior_weight=1.0)
    mrr: dict[float, float] = {}
    if queries and len(index):
        position = {e: i for i, e in enumerate(index.ids)}
        text_parts, priors = [], index._log_prior
        for title, _ in queries:
            text_parts.append(index.scores(title) - priors)  # the text part alone
        for w in PRIOR_WEIGHTS:
            rr = []
            for (_, gold), t in zip(queries, text_parts, strict=True):
                s = t + w * priors
                g = position.get(gold)
                rr.append(0.0 if g is None else 1.0 / (1 + int((s > s[g]).sum())))
            mrr[w] = metrics.mean(rr)
    best = max(PRIOR_WEIGHTS, key=lambda w: (mrr.get(w, 0.0), -w))
    log.info("calibrated prior weight %.2f on %d pseudo-queries: %s", best, len(queries), mrr)
    return fit_activity_prior(profiles, ref_year=ref_year, window=window), best, mrr
