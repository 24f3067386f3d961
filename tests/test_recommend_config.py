"""Every recommendation setting is documented in README.md, with its default."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import ValidationError
from recommend.config import FIXED, SETTINGS, WEIGHT_NAMES, resolve
from recommend.scoring import COMPONENTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_each_setting_is_documented_with_its_default():
    for s in SETTINGS:
        assert f"| `{s.name}` | `{s.default}` |" in README, s.name
        assert s.help


def test_each_score_component_has_exactly_one_weight():
    assert WEIGHT_NAMES == tuple(f"weight_{c}" for c in COMPONENTS)


def test_fixed_settings_are_refused_per_call_and_not_advertised():
    for name in sorted(FIXED):
        with pytest.raises(ValidationError) as err:
            resolve({name: 1})
        assert err.value.errors[0].field == name and "不能按次设置" in err.value.errors[0].reason


def test_region_mode_any_is_documented_as_ignoring_region():
    assert "any 不考虑地域（不筛选、不计分）" in README
