"""NLP field links for the shipped papers: the ``fields`` of ``data/papers/papers.jsonl``.

Each paper's title + keywords are linked with the lexical linker of :mod:`ingest.enrich`
(:class:`ingest.field_linking.FieldLinker`) to the enterprise-side taxonomy ht2016 (高新技术领域)
and the NSFC pre-2020 codes, under :data:`PAPER_RULES`: per scheme the best link of weight
≥ 0.05 with a code of at least three characters (a first-level field says nothing), plus the
second when it reaches 0.8 × the best. ChinaXiv prints no subject category beyond the 中图分类号
(CLC) of about half the papers, so keywords and titles are the evidence here; the printed class is read at
load time (:func:`ingest.papers.clc_links`: every code with a rule in the crosswalk, ``data/crosswalk/rules.csv``,
its main ht2016 target), and a field it alone gives is marked ``basis: 中图分类号`` (:data:`graph.model.CLASS_BASIS`).
It was first done for classes V 航空、航天 and U8 航空运输 only (the lexical linker finds aerospace in few titles;
43 experts had evidence there), written into this file; issue 12's end-to-end demands (a battery cathode, PCB
inspection, dye-works wastewater) needed papers in their fields (TM91 电池, TP3 计算机, X5/X7 污染控制) that the
linker had mostly not linked, so every class is linked now: 6,658 papers linked instead of 2,855
(data/papers/SOURCE.md). Linking them all as ordinary links (branch clc12) raised confident nonsense on the SME
demand set (dev, hybrid: 0.016 → 0.059): a first author's CLC-linked paper is a path of strength 1 that the
abstention trusted, while the crosswalk's CLC rules are not in its hand-checked samples. Hence the basis: such a
link reaches and lists experts but does not vouch for a result (:mod:`recommend.abstention`). Measured under a rule
written first (data/eval/sme-demands/DECISIONS.md; dev, hybrid): P@5 0.561 → 0.616, confident nonsense
0.016 → 0.004, abstained 39 → 42 of 51; test (once): P@5 0.580 → 0.664, confident nonsense 0.010 → 0.037.

Linking 12k papers takes about two minutes, not something to do at load time, so

    python -m ingest.paper_fields            # rewrites the "fields" of data/papers/papers.jsonl
    python -m ingest.paper_fields --check    # exit 1 when the shipped file differs from a fresh build

writes them once, deterministically (weights rounded to 4 decimals), after ``data/papers/derive.py``.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ingest.enrich import LinkRule, build_linkers, choose_links, rank_fields
from ingest.field_linking import lexical_features
from ingest.papers import PAPERS_FILE

__all__ = ["PAPER_RULES", "link_papers", "main"]

log = logging.getLogger(__name__)

PAPER_RULES: tuple[LinkRule, ...] = (
    LinkRule("P", "ht2016", ("",), min_weight=0.05, max_links=2, tie_ratio=0.8, min_code_length=3),
    LinkRule("P", "nsfc", ("",), min_weight=0.05, max_links=2, tie_ratio=0.8, min_code_length=3),
)
"""The linking rules for papers (one pseudo-department "P", two schemes)."""


def link_papers(rows: Sequence[dict[str, Any]], *, progress: bool = False) -> list[dict[str, Any]]:
    """The rows with ``fields`` (field id → weight, best first) set from their title and keywords (the printed
    中图分类号 is linked at load time, :func:`ingest.papers.clc_links`)."""
    linker = build_linkers(PAPER_RULES)["P"]
    out = []
    for row in tqdm(rows, desc="linking papers", unit="篇", disable=not progress):
        text = "；".join([row.get("title") or "", *(row.get("keywords") or [])])
        features = lexical_features(linker.terms(text))
        links: dict[str, float] = {}
        for rule in PAPER_RULES:
            for link in choose_links(rank_fields(linker, rule, features), rule):
                links[link.field_id] = round(link.weight, 4)
        out.append({**{k: v for k, v in row.items() if k != "fields"},
                    "fields": dict(sorted(links.items(), key=lambda kv: (-kv[1], kv[0])))})
    return out


def _render(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rewrite the ``fields`` of the shipped papers (or check them)."""
    parser = argparse.ArgumentParser(prog="python -m ingest.paper_fields", description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=PAPERS_FILE, help="the papers file (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check that the file equals a fresh build")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    current = args.file.read_text(encoding="utf-8")
    content = _render(link_papers([json.loads(line) for line in current.splitlines() if line.strip()],
                                  progress=True))
    if args.check:
        same = current == content
        log.info("%s is %s", args.file, "up to date" if same else "OUT OF DATE: rerun python -m ingest.paper_fields")
        return 0 if same else 1
    args.file.write_text(content, encoding="utf-8")
    linked = sum(1 for line in content.splitlines() if json.loads(line)["fields"])
    log.info("wrote %s (%d of %d papers linked)", args.file, linked, content.count("\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
