"""The project history an offline evaluation ranks over, loaded into a scratch store.

``kgmatch evaluate pi-retrieval`` builds its graph from one projects file in a fresh store.
Standard NSFC exports carry 申请代码 (F0208, C0101…), which the importer resolves against the
field taxonomy, so the NSFC code schemes (:data:`EVALUATION_TAXONOMIES`) are loaded first; a
file that still yields no usable row is an error in Chinese, never a silent all-zero report.
"""

from __future__ import annotations

import logging
from pathlib import Path

from graph.errors import RowError, ValidationError
from graph.store import GraphStore
from ingest.importers import import_file
from ingest.loader import LoadReport
from ingest.taxonomies import TAXONOMY_FILES, load_taxonomy

__all__ = ["EVALUATION_TAXONOMIES", "NO_USABLE_PROJECTS", "load_evaluation_projects"]

log = logging.getLogger(__name__)

EVALUATION_TAXONOMIES = ("nsfc-codes", "nsfc2020-codes")
"""The code schemes a projects file's 申请代码 may name (pre-2020 and post-2020 NSFC codes)."""

NO_USABLE_PROJECTS = "项目文件 {path} 中没有可用的项目（共拒绝 {rejected} 行{first}），无法评测"


def load_evaluation_projects(path: Path, store: GraphStore) -> LoadReport:
    """Load the NSFC code schemes, then the projects of ``path``, into ``store`` (a scratch store).

    Raises:
        ValidationError: no row of ``path`` could be loaded (the first reasons are in the message).
    """
    for kind in EVALUATION_TAXONOMIES:
        taxonomy = load_taxonomy(TAXONOMY_FILES[kind], kind, store)
        if taxonomy.errors:  # the shipped files are clean; say so if one is not, but go on
            log.warning("%s: %d rows of the shipped taxonomy were rejected", kind, taxonomy.rejected_rows)
    report = import_file(path, "project", store)
    if report.rows == 0:
        first = "；首个原因：" + report.errors[0].message() if report.errors else ""
        message = NO_USABLE_PROJECTS.format(path=path, rejected=report.rejected_rows, first=first)
        raise ValidationError(message, errors=[RowError(None, "projects", message)])
    return report
