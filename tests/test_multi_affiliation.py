"""Issue 12 (affil12/affil12b): an author listed at several institutions of one paper is one expert.

The two labelled samples are the seeded draws, and the primary-institution rule meets affil12b's adoption bars on
them (data/eval/sme-demands/DECISIONS.md): it keeps a wrong institution in at most 2 of 40 fresh cases and names
the labelled workplace in at least 34 of 40.
"""

from __future__ import annotations

from bench.multi_affiliation import score


def test_samples_are_the_seeded_draws_and_the_rule_meets_its_bars():
    result = score()
    a, b = result["sample_a"], result["sample_b"]
    assert a["is_seeded_draw"] and b["is_seeded_draw"] and a["n"] == b["n"] == 40
    assert b["worse"] <= 2, b["worse_cases"]
    assert b["agrees"] >= 34 and a["agrees"] >= 34, (a, b)
    assert result["occurrences"] > 1000  # the shipped papers do list authors at several institutions
