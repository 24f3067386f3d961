"""Derive the field linker's extra training files from ../shared/data/raw (run once; outputs are committed).

    python3 data/linker/derive.py ../shared/data/raw data/linker

* csl_discipline.tsv — the 1,000 CSL dev papers: title (ts_dev), keywords (kg_dev), abstract (cls_dcp_dev,
  first 300 characters), discipline (cls_dcp_dev target); the four dev files are row-aligned.
* chinaxiv_clc.tsv — ChinaXiv papers with a 中图分类号 and Chinese text: id, title, keywords (;-joined),
  clc (as printed, ;-separated codes), highest version per id, sorted by id.
* nsfc_F0208_projects_approved_le2014.csv — copied unchanged.
"""
import csv
import json
import shutil
import sys
from pathlib import Path


def main(raw: str, out: str) -> None:
    raw_dir, out_dir = Path(raw), Path(out)
    csl = raw_dir / "csl-benchmark-dev"

    def col(name, i):
        with (csl / name).open(encoding="utf-8") as fh:
            return [line.rstrip("\n").split("\t")[i] for line in fh]

    titles, keywords = col("ts_dev.tsv", 2), col("kg_dev.tsv", 2)
    abstracts, disciplines = col("cls_dcp_dev.tsv", 1), col("cls_dcp_dev.tsv", 2)
    with (out_dir / "csl_discipline.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["title", "keywords", "abstract", "discipline"])
        for t, k, a, d in zip(titles, keywords, abstracts, disciplines, strict=True):
            w.writerow([t, k.replace("_", ";"), a[:300], d])
    best = {}
    with (raw_dir / "chinaxiv-2016-2022" / "papers.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            if p["clc"] and p["language"] == "zh" and p["title"]:
                if p["id"] not in best or p["version"] > best[p["id"]]["version"]:
                    best[p["id"]] = p
    with (out_dir / "chinaxiv_clc.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["id", "title", "keywords", "clc"])
        for pid in sorted(best):
            p = best[pid]
            kws = ";".join(k.replace("\t", " ").replace("\n", " ") for k in p["keywords"])
            w.writerow([pid, p["title"].replace("\t", " ").replace("\n", " "), kws, p["clc"].replace("\t", " ")])
    f0208 = raw_dir / "nsfc-projects-info-F0208-le2014" / "nsfc_F0208_projects_approved_le2014.csv"
    shutil.copyfile(f0208, out_dir / f0208.name)
    print(len(titles), len(best))


if __name__ == "__main__":
    main(*sys.argv[1:3])
