"""Issue 13: the semantic component and the honest abstention are the defaults of every interface — the
CLI, the JSON API and the pages — on both stores, with no option to turn them on.

The model is the one at ``KGMATCH_SEMANTIC_MODEL`` (the default path in production), here a small one
built from a few lines of text with the engine's real tokenizer.
"""

from __future__ import annotations

import json
import re

import pytest
from test_api import build_app, key_for, world
from test_cli import kgmatch
from test_pages import signed_in

from api.auth import Role
from graph.model import Label, RelType
from graph.store import Batch, GraphStore
from ingest.nlp import content_words
from recommend.abstention import ABSTAIN_MESSAGE
from recommend.semantics import get_semantic_model, save_model
from recommend.semantics_build import build_model

CORPUS = ["高镍正极材料界面调控 正极材料 高镍 锂电池", "正极极片涂布缺陷 正极材料 涂布", "基于机器视觉的电极缺陷检测 缺陷检测",
          "机器视觉 缺陷检测 表面质量", "电池材料 正极材料 锂电池 循环寿命", "大气污染 挥发性有机物 在线监测",
          "喷涂车间 废气 挥发性有机物 治理"]


@pytest.fixture
def semantic_model(tmp_path, monkeypatch):
    """A small model at KGMATCH_SEMANTIC_MODEL, seen by this process and by the CLI it starts."""
    path = tmp_path / "models" / "semantics-v1.npz"
    save_model(build_model(CORPUS, tokenize=content_words, dims=3, min_df=1), path)
    monkeypatch.setenv("KGMATCH_SEMANTIC_MODEL", str(path))
    assert get_semantic_model() is not None
    return path


def _unserved() -> Batch:
    """d:vocs needs 大气污染控制, a field no expert has (related to 电池材料 only)."""
    return (Batch()
            .add_nodes(Label.FIELD, [{"id": "f:vocs", "name": "大气污染控制", "scheme": "t"}])
            .add_nodes(Label.DEMAND, [{"id": "d:vocs", "title": "喷涂车间挥发性有机物在线监测", "status": "待对接",
                                       "description": "需要在线监测喷涂车间废气", "posted": "2026-03-01"}])
            .add_rels(RelType.RELATED_TO, Label.FIELD, Label.FIELD, [{"start": "f:vocs", "end": "f:bat", "score": 0.5}])
            .add_rels(RelType.NEEDS, Label.DEMAND, Label.FIELD, [{"start": "d:vocs", "end": "f:vocs", "weight": 1.0}]))


def _load(store: GraphStore) -> None:
    store.write(world())
    store.write(_unserved())


def test_the_api_scores_semantics_and_abstains_by_default(store, tmp_path, semantic_model):
    _load(store)
    app = build_app(store, tmp_path / store.backend)
    client, headers = app.test_client(), key_for(app, Role.PORTAL)
    body = client.get("/api/v1/demands/d:1/recommendations", headers=headers).get_json()
    assert any(e["components"]["semantic"] > 0 for e in body["experts"])
    assert body["abstention"]["abstain"] is False and all("evidence" in e for e in body["experts"])
    free = client.post("/api/v1/recommendations", json={"text": "高镍正极材料\n提升正极材料循环寿命"},
                       headers=key_for(app, Role.OFFICER)).get_json()
    assert any(e["components"]["semantic"] > 0 for e in free["experts"]) and "abstention" in free
    gap = client.get("/api/v1/demands/d:vocs/recommendations", headers=headers).get_json()
    assert gap["abstention"]["abstain"] is True and gap["abstention"]["message"] == ABSTAIN_MESSAGE
    assert gap["abstention"]["supply_gap"] == [{"field": "f:vocs", "name": "大气污染控制",
                                                "experts_with_direct_evidence": 0}]
    for e in gap["experts"]:  # whoever is listed has a path in the field's hierarchy or a matched term
        assert e["evidence"]["direct_fields"] or e["evidence"]["matched_terms"] or e["paths"]


def test_the_pages_show_the_semantic_component_and_the_abstention_by_default(store, tmp_path, semantic_model):
    _load(store)
    app = build_app(store, tmp_path / store.backend)
    html = signed_in(app, Role.ANALYST).get("/demands/d:1").get_data(as_text=True)
    assert re.search(r'fill="#E15759"><title>语义相似 0\.\d+</title>', html)  # the semantic bar segment
    assert 'id="abstention"' not in html
    gap = signed_in(app, Role.ANALYST).get("/demands/d:vocs").get_data(as_text=True)
    assert 'id="abstention"' in gap and ABSTAIN_MESSAGE in gap and "供给缺口：大气污染控制 0 人" in gap


def _cli_store(store: GraphStore, tmp_path) -> tuple:
    data = tmp_path / "var"
    if store.backend == "local":
        from graph.local_store import LocalStore

        store.close()  # the CLI opens the directory itself
        with LocalStore(data) as own:
            _load(own)
    else:
        _load(store)
    return data, store.backend


def test_the_cli_scores_semantics_and_abstains_by_default(store, tmp_path, semantic_model):
    data, backend = _cli_store(store, tmp_path)
    result = kgmatch("recommend", "d:1", "--json", data_dir=data, store=backend)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert any(e["components"]["semantic"] > 0 for e in body["experts"]) and body["abstention"]["abstain"] is False
    gap = kgmatch("recommend", "d:vocs", data_dir=data, store=backend)
    assert gap.returncode == 0, gap.stderr
    assert f"注意：{ABSTAIN_MESSAGE}" in gap.stdout and "供给缺口：大气污染控制 0 人" in gap.stdout
    assert "揭榜" in gap.stdout
