"""Invariants of graph/model.py, the single source of truth for labels and types."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graph import cypher
from graph.model import NODE_SPECS, REL_SPECS, Label, RelType, node_errors, property_error, rel_errors

ROOT = Path(__file__).resolve().parent.parent


def test_every_label_has_a_spec_and_every_type_a_rule():
    assert set(NODE_SPECS) == set(Label)
    assert set(REL_SPECS) == set(RelType)
    for spec in REL_SPECS.values():
        assert spec.start and spec.end


def test_design_relationships_connect_the_labels_design_names():
    rules = {(t, s, e) for t, spec in REL_SPECS.items() for s in spec.start for e in spec.end}
    assert (RelType.POSTED, Label.ENTERPRISE, Label.DEMAND) in rules
    assert (RelType.EXPERT_IN, Label.EXPERT, Label.FIELD) in rules
    assert (RelType.IN_FIELD, Label.PROJECT, Label.FIELD) in rules
    assert (RelType.EXPERT_IN, Label.DEMAND, Label.FIELD) not in rules


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    exported = {id(elt) for n in ast.walk(tree) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in n.targets)
                for elt in getattr(n.value, "elts", [])}  # class names such as "Team" in __all__
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings and id(n) not in exported}


@pytest.mark.parametrize("package", ["graph", "ingest", "recommend", "workflow", "api"])
def test_no_module_but_the_model_spells_a_label_or_type(package):
    names = {m.value for m in Label} | {m.value for m in RelType}
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.name == "model.py" and package == "graph":
            continue
        hits = _string_constants(path) & names
        if hits:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(hits)}")
    assert offenders == []


def test_schema_cypher_constrains_every_label_key():
    statements = cypher.schema_statements()
    for label in Label:
        assert any(f"FOR (n:{label.value}) REQUIRE n.id IS UNIQUE" in s for s in statements), label
    assert any("FULLTEXT" in s and "'cjk'" in s for s in statements)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("清华大学", True), (3, True), (2.5, True), (True, True), (None, True), (["锂电池", "正极"], True),
     ([1, 2.5], True), ([], True), ({"a": 1}, False), ([1, "a"], False), ([["x"]], False),
     (float("nan"), False), ([True, 1], False)],
)
def test_property_values_are_what_neo4j_stores(value, ok):
    assert (property_error(value) is None) is ok


def test_node_errors_name_row_and_field_in_chinese():
    errors = node_errors(Label.EXPERT, {"id": "", "name": " "}, row_no=12)
    assert [e.message() for e in errors] == ["第 12 行「id」不能为空", "第 12 行「name」不能为空"]
    assert node_errors(Label.EXPERT, {"id": "e1", "name": "张三"}) == []
    assert [e.field for e in node_errors(Label.DEMAND, {"id": "d1", "name": "x"})] == ["title"]


def test_rel_errors_refuse_wrong_endpoint_labels():
    errors = rel_errors(RelType.WORKS_AT, Label.INSTITUTION, Label.EXPERT, {"start": "a", "end": "b"}, row_no=3)
    assert len(errors) == 1 and errors[0].field == "type"
    assert "WORKS_AT" in errors[0].message()
    assert rel_errors(RelType.WORKS_AT, Label.EXPERT, Label.INSTITUTION, {"start": "a", "end": "b"}) == []


def test_parse_names_unknown_values():
    with pytest.raises(ValueError, match="未知的节点类型「Person」"):
        Label.parse("Person")
    with pytest.raises(ValueError, match="未知的关系类型「KNOWS」"):
        RelType.parse("KNOWS")
