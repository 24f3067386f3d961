"""bench.pi_documents: the document-centric BM25 over single works, on the shared F0208 export."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from bench.pi_documents import AGGREGATES, WorkIndex, association
from bench.pi_split import SOURCES
from graph.local_store import LocalStore
from ingest.evaluation_data import load_evaluation_projects
from ingest.nlp import content_words
from recommend.profiles import load_profiles
from recommend.retrieval import analyzer

YEAR = 2010


@pytest.fixture(scope="module")
def profiles():
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(SOURCES["f0208"], store)
        return load_profiles(store)


@pytest.fixture(scope="module")
def index(profiles):
    return WorkIndex(profiles, year=YEAR, analyze=analyzer(content_words), k1=1.2, b=0.75)


def test_only_works_before_the_year_are_documents(profiles, index):
    later = {(p.id, x.title) for p in profiles for x in p.projects if x.start_year and x.start_year >= YEAR}
    earlier = {(p.id, x.title) for p in profiles for x in p.projects if x.start_year and x.start_year < YEAR}
    assert later - earlier, "the export has projects from the year on"
    assert not (set(index.keys) & (later - earlier))
    assert set(index.keys) >= earlier


def test_a_work_title_as_query_puts_its_owner_first_under_max(index):
    key = index.keys[len(index.keys) // 2]
    scores = index.work_scores(key[1])
    assert scores.max() == pytest.approx(1.0)
    by_expert = index.expert_scores(scores, "max")
    owner = index.experts.index(key[0])
    assert by_expert[owner] == pytest.approx(1.0)
    assert int((by_expert > by_expert[owner]).sum()) == 0


@pytest.mark.parametrize("agg", AGGREGATES)
def test_every_aggregate_is_in_0_1_and_zero_without_a_match(index, agg):
    title = index.keys[0][1]
    values = index.expert_scores(index.work_scores(title), agg)
    assert values.shape == (len(index.experts),)
    assert float(values.min()) >= 0.0 and float(values.max()) <= 1.0 + 1e-9
    assert values.max() > 0
    nothing = index.expert_scores(index.work_scores("ßßß"), agg)
    assert not np.any(nothing)


def test_same_pi_association_only_from_pairs_before_the_year(profiles):
    table, words = association(profiles, YEAR)
    assert table
    later_only = set().union(*(words(x.title) for p in profiles for x in p.projects
                               if x.start_year and x.start_year >= YEAR)) - set().union(
        *(words(x.title) for p in profiles for x in p.projects if x.start_year and x.start_year < YEAR))
    assert later_only, "some words first appear from the year on"
    assert not later_only & set(table)
    assert not later_only & {v for row in table.values() for v in row}
    assert all(v > 0 for row in table.values() for v in row.values())
