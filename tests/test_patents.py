"""Patents load as Patent nodes linked to 高新技术领域 through the crosswalk, bad rows named in Chinese, on both stores."""

from __future__ import annotations

from graph.model import Label, RelType
from ingest.demo import demo_plan
from ingest.patents import PATENTS_PATH, import_patents, patent_split
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy


def _ht2016(store):
    report = load_taxonomy(TAXONOMY_FILES["ht2016"], "ht2016", store)
    assert report.ok


def test_patents_load_with_crosswalk_fields(store, tmp_path):
    _ht2016(store)
    path = tmp_path / "p.csv"
    path.write_text("publication_number,title,ipc_subclasses\n"
                    "CN114226544A,一种锂电池正极材料包覆方法,H01M|C01G\n"
                    "CN215792497U,一种可调节的办公桌,A47B\n", encoding="utf-8")
    report = import_patents(path, store)
    assert report.ok and report.rows == 2
    node = store.get_node(Label.PATENT, "patent:CN114226544A")
    assert node.props["ipc"] == ["H01M", "C01G"] and node.props["kind"] == "A"
    assert node.props["split"] in ("train", "test")
    fields = {nb.node.id: nb.rel.props for nb in store.neighbors(Label.PATENT, "patent:CN114226544A",
                                                                  rel_types=[RelType.IN_FIELD])}
    assert fields["ht2016:603"]["weight"] == 1.0 and fields["ht2016:603"]["ipc"] == "H01M"
    assert fields["ht2016:402"]["source"] == "crosswalk"  # C01G → 402 (inorganic)
    # a furniture patent has no high-tech field, and is still stored
    assert store.neighbors(Label.PATENT, "patent:CN215792497U", rel_types=[RelType.IN_FIELD]) == []
    counts = store.counts()
    again = import_patents(path, store)
    assert again.ok and store.counts() == counts  # reloading changes nothing


def test_bad_patent_rows_are_named_and_not_written(store, tmp_path):
    _ht2016(store)
    before = store.counts()
    path = tmp_path / "bad.csv"
    path.write_text("公开号,专利名称,IPC分类号\n"
                    "CN1A,一种装置,H04L\n"
                    "CN114226545A,,H04L\n"
                    "CN114226546A,一种装置,H4L\n"
                    "CN114226547A,一种装置,\n"
                    "CN114226548A,一种网络安全审计装置,H04L\n"
                    "CN114226548A,一种网络安全审计装置,H04L\n", encoding="utf-8")
    report = import_patents(path, store)
    messages = [e.message() for e in report.errors]
    assert any("第 2 行「公开号」「CN1A」不是中国专利公开号" in m for m in messages)
    assert any("第 3 行「专利名称」不能为空" in m for m in messages)
    assert any("第 4 行「IPC分类号」「H4L」不是 IPC 小类" in m for m in messages)
    assert any("第 5 行「IPC分类号」不能为空" in m for m in messages)
    assert any(e.row == 7 for e in report.errors)  # the repeated number
    assert report.rows == 1
    assert store.get_node(Label.PATENT, "patent:CN114226545A") is None
    assert store.counts() != before


def test_missing_column_fails_the_file(store, tmp_path):
    _ht2016(store)
    path = tmp_path / "p.csv"
    path.write_text("publication_number,title\nCN114226544A,一种装置\n", encoding="utf-8")
    report = import_patents(path, store)
    assert not report.ok and report.rows == 0
    assert "IPC分类号" in report.errors[0].message()


def test_split_is_seeded_and_about_a_fifth():
    numbers = [f"CN1{i:08d}A" for i in range(2000)]
    test = [n for n in numbers if patent_split(n) == "test"]
    assert 0.16 < len(test) / len(numbers) < 0.24
    assert [patent_split(n) for n in numbers[:50]] == [patent_split(n) for n in numbers[:50]]


def test_demo_loads_the_shipped_patents_after_the_taxonomies():
    plan = demo_plan()
    kinds = [s.kind for s in plan]
    assert "patent" in kinds and kinds.index("patent") > kinds.index("ht2016")
    assert PATENTS_PATH.read_bytes()[:40].startswith(b"publication_number,title")
