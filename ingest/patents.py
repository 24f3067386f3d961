"""Patents: ``Patent`` nodes with their IPC subclasses, linked to 高新技术领域 through the crosswalk.

``kgmatch load FILE --kind patent`` (and ``kgmatch load demo`` for ``data/patents/patents.csv``) reads a
CSV / XLSX / JSON file with the columns of the shared patent list (``publication_number``, ``title``,
``ipc_subclasses``; Chinese headers 公开号 / 专利名称 / IPC分类号 work too) and writes

* ``Patent {id: "patent:<公开号>", publication_number, title, ipc: [subclasses], kind: A|B|U, split}``;
* ``(Patent)-[:IN_FIELD {weight, source: "crosswalk", ipc}]->(Field ht2016:<second-level code>)`` for every
  field the crosswalk (:mod:`ingest.crosswalk`) gives its subclasses (the best weight when two agree).

IPC subclasses stay codes on the node rather than Field nodes of their own: the only titles at
hand are English, and no expert is indexed by IPC, so the crosswalk is where IPC meets the
graph. Every bad row is reported in Chinese with its row and column, and written nowhere.

``patent_split`` is the seeded train/test split the field linker is trained and measured on.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from graph.errors import Msg, RowError
from graph.model import Label, RelType
from graph.store import GraphStore
from ingest.crosswalk import Crosswalk, get_crosswalk
from ingest.generic import NodeOp, RelOp
from ingest.loader import LoadReport, load_ops
from ingest.readers import Row, read_rows
from ingest.resolve import DATA_ROOT

__all__ = ["PATENTS_PATH", "SPLIT_SEED", "TEST_SHARE", "patent_split", "patent_ops", "import_patents", "main"]

PATENTS_PATH = DATA_ROOT / "patents" / "patents.csv"
SPLIT_SEED = 20261202
TEST_SHARE = 0.2
SOURCE = "cn-patents-ipc"

_COLUMNS = {  # canonical → accepted headers (compared without spaces, case-insensitively)
    "publication_number": ("publication_number", "公开号", "公开（公告）号", "公开(公告)号", "公告号"),
    "title": ("title", "专利名称", "名称", "发明名称"),
    "ipc_subclasses": ("ipc_subclasses", "ipc", "ipc分类号", "分类号", "ipc小类"),
}
_ZH = {"publication_number": "公开号", "title": "专利名称", "ipc_subclasses": "IPC分类号"}
_PUB = re.compile(r"^CN\d{6,12}[ABUS]\d?$")
_IPC = re.compile(r"^[A-H]\d{2}[A-Z]$")
_SPLIT_IPC = re.compile(r"[|;；,，、\s]+")


def patent_split(publication_number: str, *, seed: int = SPLIT_SEED, test_share: float = TEST_SHARE) -> str:
    """``"test"`` for about ``test_share`` of the publication numbers (by a seeded hash), else ``"train"``.

    >>> patent_split("CN215792497U") in ("train", "test")
    True
    """
    digest = hashlib.sha256(f"{seed}:{publication_number}".encode()).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < test_share else "train"


def _header_map(headers: Sequence[str]) -> dict[str, str]:
    norm = {h: re.sub(r"\s+", "", str(h)).lower() for h in headers}
    out: dict[str, str] = {}
    for canon, accepted in _COLUMNS.items():
        for header, n in norm.items():
            if n in accepted and canon not in out:
                out[canon] = header
    return out


def patent_ops(rows: Sequence[Row], *, crosswalk: Crosswalk | None = None,
               errors: list[RowError]) -> list[NodeOp | RelOp]:
    """The node and field ops of good rows; one Chinese error per problem goes to ``errors``."""
    cw = crosswalk or get_crosswalk()
    headers = sorted({h for row in rows for h in row.values})
    where = _header_map(headers)
    missing = [c for c in _COLUMNS if c not in where]
    if missing and rows:
        errors.append(RowError(1, "表头", Msg.MISSING_COLUMN.format(
            field="、".join(_ZH[c] for c in missing), accepted="、".join(a for c in missing for a in _COLUMNS[c][:3]))))
        return []
    ops: list[NodeOp | RelOp] = []
    for row in rows:
        values = {c: row.values.get(h) for c, h in where.items()}
        if all(v is None or not str(v).strip() for v in values.values()):
            continue
        problems: list[RowError] = []
        pub = str(values["publication_number"] or "").strip().upper()
        title = str(values["title"] or "").strip()
        raw_ipc = str(values["ipc_subclasses"] or "").strip().upper()
        if not pub:
            problems.append(RowError(row.number, where["publication_number"], Msg.REQUIRED))
        elif not _PUB.match(pub):
            problems.append(RowError(row.number, where["publication_number"],
                                     f"「{pub}」不是中国专利公开号（应如 CN114226544A）"))
        if not title:
            problems.append(RowError(row.number, where["title"], Msg.REQUIRED))
        subclasses = [s for s in _SPLIT_IPC.split(raw_ipc) if s]
        bad = [s for s in subclasses if not _IPC.match(s)]
        if not subclasses:
            problems.append(RowError(row.number, where["ipc_subclasses"], Msg.REQUIRED))
        elif bad:
            problems.append(RowError(row.number, where["ipc_subclasses"],
                                     f"「{'、'.join(bad)}」不是 IPC 小类（应如 H04L，多个用 | 分隔）"))
        if problems:
            errors.extend(problems)
            continue
        subclasses = list(dict.fromkeys(subclasses))
        pid = f"patent:{pub}"
        props: dict[str, Any] = {"id": pid, "publication_number": pub, "title": title, "ipc": subclasses,
                                 "kind": pub.rstrip("0123456789")[-1], "split": patent_split(pub), "source": SOURCE}
        ops.append(NodeOp(row.number, Label.PATENT, props))
        best: dict[str, tuple[float, list[str]]] = {}
        for sub in subclasses:
            for target, weight in cw.targets("ipc", sub):
                w, via = best.get(target, (0.0, []))
                best[target] = (max(w, weight), [*via, sub])
        for target, (weight, via) in sorted(best.items()):
            ops.append(RelOp(row.number, RelType.IN_FIELD, Label.PATENT, Label.FIELD,
                             {"start": pid, "end": f"ht2016:{target}", "weight": weight, "source": "crosswalk",
                              "ipc": "|".join(via)}))
    return ops


def import_patents(path: Path, store: GraphStore, *, progress: bool = False) -> LoadReport:
    """Validate and load one patent file; bad rows are reported and not written.

    Raises:
        ValidationError: an unreadable file or an unknown format (nothing is written).
    """
    errors: list[RowError] = []
    rows = list(tqdm(read_rows(path, errors, lenient_encoding=True), desc=f"读取 {path.name}", unit="行",
                     disable=not progress))
    ops = patent_ops(rows, errors=errors)
    return load_ops(ops, store, source=str(path), errors=errors)


def main(argv: list[str] | None = None) -> int:
    """``python -m ingest.patents``: print the seeded train/test split of data/patents/patents.csv."""
    parser = argparse.ArgumentParser(description="seeded train/test split of the shipped patents")
    parser.add_argument("--path", type=Path, default=PATENTS_PATH)
    args = parser.parse_args(argv)
    errors: list[RowError] = []
    counts: dict[str, int] = {"train": 0, "test": 0}
    for row in read_rows(args.path, errors):
        counts[patent_split(str(row.values.get("publication_number", "")).strip())] += 1
    print(f"train {counts['train']}  test {counts['test']}  (seed {SPLIT_SEED}, test share {TEST_SHARE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
