"""The spaCy zh pipeline: built once per segmenter, domain terms kept whole, clear install hints."""

from __future__ import annotations

import importlib.util

import pytest
from spacy.tokens import Doc

from ingest import nlp as nlp_mod
from ingest.nlp import (
    DOMAIN_TERMS_SPAN_KEY,
    NlpDependencyError,
    Segmenter,
    doc_terms,
    get_nlp,
    is_content_token,
    load_stop_words,
    load_user_dict,
    pkuseg_model_dir,
    require_package,
)

SEGMENTERS = [s.value for s in Segmenter]
DEMAND = "我公司需要锂离子电池正极材料的机器视觉缺陷检测方案"


@pytest.mark.parametrize("segmenter", SEGMENTERS)
@pytest.mark.parametrize("term", ["锂离子电池", "正极材料", "机器视觉", "缺陷检测"])
def test_domain_term_stays_whole(segmenter, term):
    nlp = get_nlp(segmenter)
    assert term in [t.text for t in nlp(DEMAND)]
    assert [t.text for t in nlp(term)] == [term]


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_pipeline_is_built_once(segmenter):
    assert get_nlp(segmenter) is get_nlp(Segmenter(segmenter))


def test_default_pipeline_is_the_jieba_one():
    assert get_nlp() is get_nlp("jieba")
    assert get_nlp().pipe_names == ["kgmatch_domain_terms"]


def test_jieba_dictionary_does_not_leak_into_global_jieba():
    jieba = require_package("jieba", purpose="This test")
    assert get_nlp("jieba").tokenizer.jieba_seg is not jieba.dt
    assert "缺陷检测" not in jieba.lcut("缺陷检测")


@pytest.mark.parametrize("segmenter", SEGMENTERS)
def test_domain_stop_words_are_marked(segmenter):
    doc = get_nlp(segmenter)("研究锂离子电池")
    assert [(t.text, t.is_stop) for t in doc] == [("研究", True), ("锂离子电池", False)]


def test_unknown_segmenter_is_named():
    with pytest.raises(ValueError, match="'thulac'"):
        get_nlp("thulac")


def test_term_matcher_joins_tokens_into_the_longest_dictionary_term():
    nlp = get_nlp("jieba")
    doc = Doc(nlp.vocab, words=["锂离子", "电池", "的", "正极", "材料"], spaces=[False] * 5)
    doc = nlp.get_pipe("kgmatch_domain_terms")(doc)
    assert [s.text for s in doc.spans[DOMAIN_TERMS_SPAN_KEY]] == ["锂离子电池", "正极材料"]
    assert doc_terms(doc) == ["锂离子", "电池", "正极", "材料", "锂离子电池", "正极材料"]


def test_term_matcher_on_empty_text():
    doc = get_nlp("jieba")("")
    assert list(doc.spans[DOMAIN_TERMS_SPAN_KEY]) == []
    assert doc_terms(doc) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("锂电池", True), ("的", False), ("2019", False), ("3.5", False), ("，", False), ("DNA", True), ("酶", False)],
)
def test_content_tokens(text, expected):
    assert is_content_token(text) is expected


def test_vocabulary_files_are_data():
    assert {"锂离子电池", "正极材料", "机器视觉", "缺陷检测"} <= load_user_dict()
    assert {"研究", "技术", "需求"} <= load_stop_words()
    assert not load_user_dict() & load_stop_words()


def test_missing_package_names_the_install_command():
    with pytest.raises(NlpDependencyError, match="pip install kgmatch_no_such_pkg") as info:
        require_package("kgmatch_no_such_pkg", purpose="A test")
    assert isinstance(info.value, ImportError)


def test_missing_pkuseg_model_names_the_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(nlp_mod.importlib.util, "find_spec", lambda name: None if name == "pkuseg" else real(name))
    with pytest.raises(NlpDependencyError, match=r"--no-build-isolation pkuseg==0\.0\.25"):
        pkuseg_model_dir()


def test_pkuseg_model_is_loaded_from_the_installed_package():
    model_dir = pkuseg_model_dir()
    assert model_dir.name == "default" and (model_dir / "weights.npz").is_file()


def test_content_words_cut_at_whitespace_so_a_demand_is_tokenised_once():
    """The recommendation tokenises a demand once and appends its keywords' and expansion's words
    (recommend.engine._joined_words): that needs tokenize("a b") == tokenize("a") + tokenize("b"), which
    holds because jieba cuts each block of non-space characters alone. Checked on every demo demand."""
    import json
    from pathlib import Path

    from ingest.nlp import content_words

    lines = (Path(__file__).parents[1] / "data/demo/demands.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    assert rows
    for row in rows:
        text = "\n".join(str(row.get(k, "")) for k in ("title", "description") if row.get(k))
        keywords = [k for k in row.get("keywords", []) if isinstance(k, str)]
        tail = " ".join([*keywords, "锂电池", "AI检测", "x"])
        assert content_words(" ".join([text, tail])) == content_words(text) + content_words(tail)
