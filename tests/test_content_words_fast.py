"""content_words' jieba path (no spaCy Doc) gives the very words of the Doc path, on real profile and demand text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ingest import nlp as nlp_mod
from ingest.nlp import content_words, content_words_doc

DATA = Path(__file__).resolve().parent.parent / "data"


def _real_texts() -> list[str]:
    """Project titles and keyword lists (NSFC), demand titles and descriptions (demo), paper titles, keywords and
    abstracts: every 15th row of each file, several hundred strings with Latin, digits and punctuation among them."""
    texts: list[str] = []
    for name in ("nsfc_C_projects.csv", "nsfc_F0208_projects_approved_le2014.csv", "nsfc_G_projects_start_le2015.csv"):
        with (DATA / "nsfc" / name).open(encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh)):
                if n % 15 == 0:
                    title, keywords = row.get("title") or row.get("项目名称") or "", row.get("keywords") or ""
                    texts += [title, keywords, f"{title}\n{keywords}"]
    for n, line in enumerate((DATA / "demo" / "demands.jsonl").read_text(encoding="utf-8").splitlines()):
        if n % 3 == 0:
            row = json.loads(line)
            texts.append(f"{row.get('title', '')}\n{row.get('description', '')}")
    for n, line in enumerate((DATA / "papers" / "papers.jsonl").read_text(encoding="utf-8").splitlines()):
        if n % 40 == 0:
            row = json.loads(line)
            texts += [row.get("title", ""), " ".join(row.get("keywords") or []), (row.get("abstract") or "")[:400]]
    return [t for t in texts if t]


MIXED = [
    "基于GPU的CUDA并行计算与C++/Python混合编程 2019年 v2.0",
    "Li-ion 电池 SOC/SOH 估计；BMS  设计\t(含 3.7V、18650 电芯) ——  99.5%良率",
    "5G+工业互联网 #边缘计算# a_b  x.y  TiO2纳米管 pH=7.4 CO₂ 捕集",
    "  \r\n 机器视觉\r\n缺陷检测  ", "", "   ", "的 了 和", "DNA RNA mRNA-1273 COVID-19疫苗",
    "ＡＢＣ全角字母１２３与半角abc123混排，。！？",
]


def test_same_words_as_the_doc_path_on_real_text():
    texts = _real_texts()
    assert len(texts) > 500
    assert any(any(c.isascii() and c.isalnum() for c in t) for t in texts)
    for text in texts + MIXED:
        assert content_words(text) == content_words_doc(text), text


def test_same_words_from_a_fresh_memo_and_twice():
    nlp_mod._jieba_fast = None  # a new memo: the first call segments, the second reads the memo
    texts = MIXED + _real_texts()[:50]
    first = [content_words(t) for t in texts]
    assert first == [content_words(t) for t in texts] == [content_words_doc(t) for t in texts]


def test_other_segmenter_keeps_the_doc_path():
    pytest.importorskip("spacy_pkuseg")
    text = "锂离子电池正极材料的机器视觉缺陷检测"
    assert content_words(text, segmenter="pkuseg") == content_words_doc(text, segmenter="pkuseg")
