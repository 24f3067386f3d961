"""``kgmatch load demo``: the shipped demo set, in the order its references need.

1. the taxonomies of ``data/taxonomies/`` (regions first: universities point into them);
2. the NSFC project lists of ``data/nsfc/`` (PIs, institutions, projects, EXPERT_IN), then the
   NLP field links derived from them, ``data/enrich/project_fields.csv`` (:mod:`ingest.enrich`); then the
   academicians and 国家重点研发计划 projects of ``data/people/`` (:mod:`ingest.people`, resolved against the
   NSFC PIs by :mod:`ingest.identity`), then the patents of ``data/patents/patents.csv`` (:mod:`ingest.patents`);
   the ChinaXiv papers of ``data/papers/papers.jsonl`` that carry field links (6,281 of 11,379, by
   NLP or their printed 中图分类号: the others would add authors no demand reaches through a field;
   ``kgmatch load data/papers/papers.jsonl --kind paper`` loads them all) — authors,
   co-authorship, field evidence (:mod:`ingest.papers`);
3. the files of ``data/demo/``, by name: ``institutions*``, ``enterprises*``, ``experts*``,
   ``projects*``, ``demands*`` (the domain formats of :mod:`ingest.mapping`), then
   ``graph*`` (the generic format). Other files there are ignored;
4. the synthetic registry lists of ``data/demo-registry/`` (高企, 科技型中小企业, 专精特新; :mod:`ingest.registry`).
5. the synthetic platform list ``data/platforms/platforms.jsonl`` (issue 16, :mod:`ingest.platforms`).

Each file is validated and written on its own, so one file's bad rows never block
another file; every report is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import RowError
from graph.store import GraphStore
from ingest.enrich import enrichment_files, load_enrichment
from ingest.importers import import_file, import_rows
from ingest.loader import LoadReport, load_file
from ingest.nsfc import project_files
from ingest.papers import PAPERS_FILE, clc_links
from ingest.patents import PATENTS_PATH, import_patents
from ingest.people import people_files
from ingest.readers import FORMATS, read_rows
from ingest.resolve import DATA_ROOT
from ingest.synthetic_platforms import PLATFORM_DIR
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy

__all__ = ["DEMO_DIR", "DEMO_KINDS", "REGISTRY_DIR", "REGISTRY_KINDS", "DemoStep", "demo_plan", "load_demo"]

log = logging.getLogger(__name__)

DEMO_DIR = DATA_ROOT / "demo"
DEMO_KINDS = ("institution", "enterprise", "expert", "project", "demand", "graph")
"""The file-name prefixes of ``data/demo/``, in loading order."""
REGISTRY_DIR = DATA_ROOT / "demo-registry"
REGISTRY_KINDS = ("hnte", "tsme", "srdi")
"""``data/demo-registry/registry-<kind>.csv``: the synthetic registry lists (:mod:`ingest.registry_sample`),
loaded after the demo enterprises."""
PLATFORMS_PATH = PLATFORM_DIR / "platforms.jsonl"
"""The synthetic platform list (issue 16), loaded after ``data/demo/``."""


@dataclass(frozen=True)
class DemoStep:
    """One file of the demo set and how to load it."""

    path: Path
    kind: str
    default_fields: tuple[str, ...] = ()


def demo_plan(*, demo_dir: Path = DEMO_DIR, papers: bool = True) -> list[DemoStep]:
    """The files ``kgmatch load demo`` loads, in order (missing ones are left out; ``papers=False``
    leaves out the ChinaXiv papers, for comparisons)."""
    steps = [DemoStep(path, kind) for kind, path in TAXONOMY_FILES.items() if path.exists()]
    projects = project_files()
    steps += [DemoStep(path, "project", fields) for path, fields in projects]
    steps += [DemoStep(path, "enrichment") for path in enrichment_files(path for path, _ in projects)]
    steps += [DemoStep(path, kind) for path, kind in people_files()]
    steps += [DemoStep(PATENTS_PATH, "patent")] if PATENTS_PATH.exists() else []
    if papers and PAPERS_FILE.exists():  # ChinaXiv papers with field evidence: authors, co-authorship, EXPERT_IN 论文
        steps.append(DemoStep(PAPERS_FILE, "paper-linked"))
    extra = sorted(p for p in demo_dir.glob("*") if p.is_file() and p.suffix.lower() in FORMATS) if demo_dir.is_dir() else []
    for kind in DEMO_KINDS:
        steps += [DemoStep(p, kind) for p in extra if p.name.lower().startswith(kind)]
    if demo_dir == DEMO_DIR:  # the registry lists name the shipped demo enterprises
        steps += [DemoStep(REGISTRY_DIR / f"registry-{kind}.csv", kind) for kind in REGISTRY_KINDS
                  if (REGISTRY_DIR / f"registry-{kind}.csv").exists()]
    known = {s.path for s in steps}
    steps += [DemoStep(PLATFORMS_PATH, "platform")] if PLATFORMS_PATH.exists() else []  # issue 16
    for path in extra:
        if path not in known:
            log.warning("data/demo: %s ignored (name it institutions*, enterprises*, experts*, projects*, "
                        "demands* or graph*)", path.name)
    return steps


def load_step(step: DemoStep, store: GraphStore, *, progress: bool = False) -> LoadReport:
    """Load one file of the plan with the loader its kind needs."""
    if step.kind in TAXONOMY_FILES:
        return load_taxonomy(step.path, step.kind, store, progress=progress)
    if step.kind == "graph":
        return load_file(step.path, store, progress=progress)
    if step.kind == "enrichment":
        return load_enrichment(store, step.path, progress=progress)
    if step.kind == "patent":
        return import_patents(step.path, store, progress=progress)
    if step.kind == "paper-linked":
        errors: list[RowError] = []
        rows = [r for r in read_rows(step.path, errors) if r.values.get("fields") or clc_links(r.values.get("clc"))]
        return import_rows(rows, "paper", store, source=str(step.path), errors=errors, progress=progress)
    return import_file(step.path, step.kind, store, progress=progress, default_fields=step.default_fields)


def load_demo(store: GraphStore, *, progress: bool = False, demo_dir: Path = DEMO_DIR, papers: bool = True,
              on_report: Callable[[LoadReport], None] | None = None) -> list[LoadReport]:
    """Load every file of :func:`demo_plan` into ``store``; the reports, one per file."""
    reports = []
    for step in demo_plan(demo_dir=demo_dir, papers=papers):
        report = load_step(step, store, progress=progress)
        if on_report is not None:
            on_report(report)
        reports.append(report)
    return reports
