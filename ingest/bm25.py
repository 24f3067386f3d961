"""What the experts' BM25 index and the linker's demand memory share: their analyzer's character-bigram half and how
it joins the words, and BM25 scores read straight from a ``bm25s`` index."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["cjk_bigrams", "with_bigrams", "bm25_scores"]

_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def cjk_bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a lone character stays), plus
    lower-cased Latin/digit words.

    >>> cjk_bigrams("锂电池 AI检测")
    ['锂电', '电池', 'ai', '检测']
    """
    out: list[str] = []
    for run in _RUNS.findall(text):
        if run[0].isascii():
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def with_bigrams(words: Sequence[str], text: str) -> list[str]:
    """``words`` (``text`` tokenised) plus ``text``'s ``#``-marked CJK bigrams, so the two never collide.

    >>> with_bigrams(["锂电池"], "锂电池")
    ['锂电池', '#锂电', '#电池']
    """
    return [*words, *("#" + b for b in cjk_bigrams(text))]


def bm25_scores(bm25: Any, tokens: Sequence[str]) -> np.ndarray:
    """``bm25.get_scores(tokens)`` of a ``bm25s.BM25``, the same float32 sums in the same order: bm25s adds each query
    token's column with ``np.add.at``; a column lists each document once, so a fancy-index ``+=`` adds exactly the
    same values without ``add.at``'s per-element cost (a third of a 10× request's index time). Tokens outside the
    vocabulary are skipped."""
    vocab, index = bm25.vocab_dict, bm25.scores
    ids = np.asarray([vocab[t] for t in tokens if t in vocab], dtype=np.dtype(bm25.int_dtype))
    data, indices, indptr = index["data"], index["indices"], index["indptr"]
    scores = np.zeros(index["num_docs"], dtype=np.dtype(bm25.dtype))
    for start, end in zip(indptr[ids].tolist(), indptr[ids + 1].tolist(), strict=True):
        scores[indices[start:end]] += data[start:end]
    if bm25.nonoccurrence_array is not None:
        scores += bm25.nonoccurrence_array[ids].sum()
    return scores
