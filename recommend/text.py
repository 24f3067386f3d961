"""Text relevance of a demand to expert profiles: BM25 over token lists (the bm25s library).

Pure over plain data: the caller tokenizes (``ingest.nlp`` does it for the CLI and the
API), so ``recommend`` needs no NLP of its own. A profile is the expert's keywords and
the titles of their projects; the most recent project is counted twice, because what
someone works on now predicts what they can solve next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import bm25s

from recommend.config import DEFAULTS
from recommend.scoring import CandidateFacts

__all__ = ["Tokenize", "profile_text", "text_scores"]

Tokenize = Callable[[str], list[str]]


def profile_text(facts: CandidateFacts) -> str:
    """The text an expert is matched on: keywords, project titles, the latest title again."""
    titles = [p.title for p in sorted(facts.projects, key=lambda p: (p.start_year or 0, p.id))]
    latest = titles[-1:] if titles else []
    return "\n".join([" ".join(facts.keywords), *titles, *latest])


def text_scores(query_tokens: Sequence[str], docs: Mapping[str, Sequence[str]], *,
                k1: float = DEFAULTS["text_bm25_k1"], b: float = DEFAULTS["text_bm25_b"]) -> dict[str, float]:
    """BM25 of the query against each document, divided by the best, so the top is 1.

    ``k1`` and ``b`` are the settings ``text_bm25_k1`` and ``text_bm25_b`` (this reranking of the
    candidates, not the whole-graph index of :mod:`recommend.retrieval`, which has its own).

    Documents with no query term score 0; an empty query or corpus gives all zeros.

    >>> text_scores(["电池"], {"a": ["锂", "电池"], "b": ["机器", "视觉"]})
    {'a': 1.0, 'b': 0.0}
    """
    ids = list(docs)
    known = {t for i in ids for t in docs[i]}
    query_tokens = [t for t in query_tokens if t in known]
    if not ids or not query_tokens:  # no query term in any document: bm25s would fail on it
        return {i: 0.0 for i in ids}
    index = bm25s.BM25(k1=k1, b=b)
    index.index([list(docs[i]) or [""] for i in ids], show_progress=False)
    raw = index.get_scores(list(query_tokens))
    top = float(raw.max()) if len(raw) else 0.0
    return {i: (float(s) / top if top > 0 else 0.0) for i, s in zip(ids, raw, strict=True)}
