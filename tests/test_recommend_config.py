"""Every recommendation setting is documented in README.md, with its default."""

from __future__ import annotations

from pathlib import Path

from recommend.config import SETTINGS, WEIGHT_NAMES
from recommend.scoring import COMPONENTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_each_setting_is_documented_with_its_default():
    for s in SETTINGS:
        assert f"| `{s.name}` | `{s.default}` |" in README, s.name
        assert s.help


def test_each_score_component_has_exactly_one_weight():
    assert WEIGHT_NAMES == tuple(f"weight_{c}" for c in COMPONENTS)
