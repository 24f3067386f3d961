"""Trim the ChinaXiv header metadata to what kgmatch uses: data/papers/papers.jsonl.

    python data/papers/derive.py /work/shared/data/raw/chinaxiv-2016-2022/papers.jsonl data/papers/papers.jsonl

Keeps Chinese-language papers (``language == "zh"``) with a non-empty title and author line, the
highest version per id, except those whose title is not a title (:func:`not_a_title`: a manuscript's line
number with the author line after it, or a section heading, where the parser lost the real title — their
author line is then wrong too), and the fields the product reads: id, month, title, authors,
affiliations, keywords, abstract (cut to 160 characters), clc. Output is sorted by id, one JSON
object per line, so the same input gives the same bytes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ABSTRACT_CHARS = 160
FIELDS = ("id", "month", "title", "authors", "affiliations", "keywords", "abstract", "clc")


_MARKS = r"[\d¹²³⁴⁵⁶⁷⁸⁹,，.．」’‘'l\\*\s號]"  # affiliation marks and footnote stars after printed names
_HEADING = re.compile(r"\d+([.．]\d+)*[.．、]?\s*(材料与方法|试验\S{0,4}|版权承诺|引言|前言|摘要|结果与分析|讨论)?")
_TITLE_WORDS = re.compile(r"的|研究|分析|影响|进展|技术|方法|特征|机制|应用|效果")


def not_a_title(title: str) -> bool:
    """Whether the parsed title is a section heading or a bare number ("1材料与方法", "1.1试验饲料", "1．版权承诺",
    "2"), or a manuscript's line number before an author line ("2 贺永惠 王清华", "2 杨立杰」杨维仁」黄丽波」冯强²…（1.山东…").

    >>> [not_a_title(t) for t in ("1材料与方法", "1.1试验饲料", "2", "2 侯颖王维宇 牛明福", "2 白富瑾」 罗 莉l\\* 陈任孝」")]
    [True, True, True, True, True]
    >>> [not_a_title(t) for t in ("2015 年山东省肉鸡饲料原料中重金属污染情况调查", "3D打印技术在植物繁殖生态学中的应用进展",
    ...                           "1竹叶花椒ZaGGPPS基因克隆与表达分析", "2 含量的影响龙城", "31种木本植物开花物候与系统发育的关系")]
    [False, False, False, False, False]
    """
    text = title.strip()
    if _HEADING.fullmatch(text):
        return True
    numbered = re.match(r"\d號?\s+(.*)", text)
    if not numbered:
        return False
    rest = re.sub(r"[（(].*", "", re.sub(_MARKS, " ", numbered[1]))  # marks out, a glued affiliation cut off
    words = rest.split()
    return bool(words) and all(re.fullmatch(r"[\u4e00-\u9fff]{1,8}", w) for w in words) \
        and not _TITLE_WORDS.search(rest)


def trim(rows: list[dict]) -> list[dict]:
    """The kept rows, trimmed (highest version per id, zh papers with a title and authors)."""
    best: dict[str, dict] = {}
    for row in rows:
        if row.get("language") != "zh" or not row.get("title") or not row.get("authors") \
                or not_a_title(row["title"]):
            continue
        old = best.get(row["id"])
        if old is None or row["version"] > old["version"]:
            best[row["id"]] = row
    out = []
    for pid in sorted(best):
        row = best[pid]
        kept = {key: row.get(key) for key in FIELDS}
        kept["abstract"] = (row.get("abstract") or "")[:ABSTRACT_CHARS]
        out.append(kept)
    return out


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    with source.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    kept = trim(rows)
    with target.open("w", encoding="utf-8") as fh:
        for row in kept:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows read, {len(kept)} written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
