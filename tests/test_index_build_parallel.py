"""The expert index build at scale (issue 15, 100×): profiles tokenised in worker processes give the same words
whatever the number of workers, and BM25 built from token ids scores exactly as bm25s over the token lists."""

from __future__ import annotations

import csv
from pathlib import Path

import bm25s
import numpy as np

from ingest.bm25 import bm25_scores
from ingest.nlp import content_words
from recommend import retrieval
from recommend.profiles import ExpertProfile
from recommend.retrieval import ExpertIndex, _doc, analyzer, tokenized_profiles
from recommend.scoring import ProjectFact

NSFC = Path(__file__).resolve().parent.parent / "data" / "nsfc" / "nsfc_G_projects_start_le2015.csv"


def _profiles(n: int = 300) -> list[ExpertProfile]:
    """Real NSFC projects grouped by PI: one profile per PI (titles, approval years)."""
    by_pi: dict[str, list[ProjectFact]] = {}
    with NSFC.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pi = f"{row['负责人']}@{row['依托单位']}"
            year = int(row["起止年月"][:4]) if row["起止年月"][:4].isdigit() else None
            by_pi.setdefault(pi, []).append(ProjectFact(row["项目批准号"], row["项目名称"], "lead", year, year))
            if len(by_pi) > n:
                break
    return [ExpertProfile(pi, pi, None, None, (), tuple(sorted(f, key=lambda p: (p.start_year or 0, p.id))))
            for pi, f in list(by_pi.items())[:n]]


def test_words_do_not_depend_on_the_number_of_workers(monkeypatch):
    profiles = _profiles()
    monkeypatch.setattr(retrieval, "PARALLEL_FROM", 0)
    here = tokenized_profiles(profiles, content_words, ref_year=2016, workers=1)
    two = tokenized_profiles(profiles, content_words, ref_year=2016, workers=2, chunk=37)
    three = tokenized_profiles(profiles, content_words, ref_year=2016, workers=3, chunk=100)
    assert list(here) == [p.id for p in profiles]
    assert here == two == three
    assert sum(len(w) for _, w in here.values()) > 1000


def test_index_from_worker_words_is_the_index_from_its_own():
    profiles = _profiles()
    words = tokenized_profiles(profiles, content_words, ref_year=2016, workers=2, chunk=50)
    a = ExpertIndex(profiles, tokenize=content_words, ref_year=2016)
    b = ExpertIndex(profiles, tokenize=content_words, ref_year=2016, token_cache=words)
    assert dict(a.words) == dict(b.words) and a.ids == b.ids
    for query in ("企业对外投资的政策研究", "城市交通与区域经济", "金融风险"):
        assert np.array_equal(a.text_scores(query), b.text_scores(query))


def test_bm25_from_token_ids_scores_as_bm25s_over_token_lists():
    profiles = _profiles()
    index = ExpertIndex(profiles, tokenize=content_words, ref_year=2016)
    analyze = analyzer(content_words)
    docs = [analyze(_doc(p, 2016, True)) for p in profiles]
    reference = bm25s.BM25(k1=index._args["k1"], b=index._args["b"])
    reference.index(docs, show_progress=False)
    assert set(reference.vocab_dict) == set(index._bm25.vocab_dict)
    for query in ("企业对外投资的政策研究", "城市交通拥堵治理", "供应链金融 风险"):
        tokens = [t for t in analyze(query) if t in reference.vocab_dict]
        assert tokens
        assert np.array_equal(bm25_scores(index._bm25, tokens), reference.get_scores(tokens))
