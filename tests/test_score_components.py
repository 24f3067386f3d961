"""A score component is one row of recommend.scoring.COMPONENT_TABLE plus its function.

Everything else derives from the table: the ``weight_<name>`` setting, the Chinese label in
explanations, the score and the README table. The last test proves it by adding a component to
a copy of ``recommend/`` (one row, one function) and checking all four in a fresh interpreter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from recommend.config import DEFAULTS, SETTINGS
from recommend.explain import COMPONENT_ZH
from recommend.scoring import COMPONENT_TABLE, COMPONENTS, CandidateFacts, components_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_weights_labels_and_readme_derive_from_the_table():
    assert COMPONENTS == tuple(c.name for c in COMPONENT_TABLE)
    assert {f"weight_{c.name}": c.weight for c in COMPONENT_TABLE} == {
        s.name: s.default for s in SETTINGS if s.name.startswith("weight_")}
    assert COMPONENT_ZH == {c.name: c.zh for c in COMPONENT_TABLE}
    assert components_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_each_component_names_real_candidate_facts_and_its_weights_sum_to_one():
    known = {f.name for f in fields(CandidateFacts)}
    for c in COMPONENT_TABLE:
        assert c.uses and set(c.uses) <= known, c.name
    assert abs(sum(DEFAULTS[f"weight_{c}"] for c in COMPONENTS) - 1.0) < 1e-9


_ROW = '''    Component("novelty", "新颖程度", 0.05, "专家关键词的数量（演示用分项）", ("keywords",), _novelty),
'''
_FUNCTION = '''def _novelty(demand: DemandFacts, c: CandidateFacts, settings: Mapping[str, object]) -> float:
    return min(1.0, len(c.keywords) / 4)


COMPONENT_TABLE: tuple[Component, ...] = ('''

_PROBE = r'''
import json
from recommend.config import DEFAULTS, resolve
from recommend.engine import ExpertResult
from recommend.explain import expert_sentence
from recommend.scoring import DemandFacts, CandidateFacts, components_markdown, score_candidates

settings = resolve({"weight_novelty": 0.5})
demand = DemandFacts("d", "", {}, 2026)
scored = score_candidates(demand, [CandidateFacts("e", "甲", keywords=("a", "b"))], settings)[0]
print(json.dumps({"default": DEFAULTS["weight_novelty"], "component": scored.components["novelty"],
                  "contribution": scored.contributions["novelty"], "score": scored.score,
                  "sentence": expert_sentence(scored, [], year=2026), "docs": components_markdown()},
                 ensure_ascii=False))
'''


def test_adding_a_component_is_one_row_and_one_function(tmp_path):
    copy = tmp_path / "recommend"
    shutil.copytree(ROOT / "recommend", copy, ignore=shutil.ignore_patterns("__pycache__"))
    scoring = copy / "scoring.py"
    source = scoring.read_text(encoding="utf-8")
    anchor = "COMPONENT_TABLE: tuple[Component, ...] = ("
    assert source.count(anchor) == 1
    source = source.replace(anchor, _FUNCTION, 1)
    end = source.index(')\n"""The score components in display order')
    scoring.write_text(source[:end] + _ROW + source[end:], encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); " + _PROBE],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    got = json.loads(run.stdout)
    assert got["default"] == 0.05
    assert got["component"] == 0.5 and got["contribution"] == 0.25
    assert "新颖程度 0.25" in got["sentence"]
    assert "| `novelty` | 新颖程度 | `weight_novelty` | `0.05` | `keywords` |" in got["docs"]
