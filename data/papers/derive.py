"""Trim the ChinaXiv header metadata to what kgmatch uses: data/papers/papers.jsonl.

    python data/papers/derive.py /work/shared/data/raw/chinaxiv-2016-2022/papers.jsonl data/papers/papers.jsonl

Keeps Chinese-language papers (``language == "zh"``) with a non-empty title and author line, the
highest version per id, except those whose title is not a title (:func:`not_a_title`: a manuscript's line
number with the author line after it, or a section heading, where the parser lost the real title — their
author line is then wrong too), and one record per paper: a manuscript posted again under a new id (same title,
same authors: :func:`same_paper_key`) keeps one record, the one that prints the most (:func:`reposts`, dup41); the fields the product reads: id, month,
title, authors, affiliations, keywords, abstract (cut to 160 characters), clc. Output is sorted by id, one JSON
object per line, so the same input gives the same bytes. ``--duplicates FILE`` also writes the records left out as
reposts, each with ``same_as``: the id kept.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
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


def same_paper_key(row: dict) -> tuple[str, str]:
    """What two records of one manuscript share: the title and the author line, NFKC, lower case, without spaces,
    punctuation or marks; of the author line only its Han characters when it has any (an affiliation mark read as
    「1,2」 in one PDF and 「12」 or 「²」 in the other is not a difference).

    >>> same_paper_key({"title": "流量感知的 可重构路由算法", "authors": "刘建华1,2王颖'张智雄」"}) == \\
    ...     same_paper_key({"title": "流量感知的可重构路由算法", "authors": "刘建华12 王颖 张智雄11"})
    True
    >>> same_paper_key({"title": "A", "authors": "王颖"}) == same_paper_key({"title": "A", "authors": "王颖 李冰"})
    False
    """
    title = "".join(ch for ch in unicodedata.normalize("NFKC", row.get("title") or "").lower() if ch.isalnum())
    authors = unicodedata.normalize("NFKC", row.get("authors") or "").lower()
    han = "".join(re.findall(r"[\u4e00-\u9fff]", authors))
    return title, han or "".join(ch for ch in authors if ch.isalnum())


def reposts(rows: list[dict]) -> dict[str, str]:
    """Of records sharing a :func:`same_paper_key`, every one but the one kept: {left-out id: kept id}. The record kept
    is the one that prints the most (a 中图分类号, keywords, affiliations, in that order), then the first by id.

    >>> reposts([{"id": "2", "title": "T", "authors": "王颖", "clc": "TP3"}, {"id": "1", "title": "T", "authors": "王颖"},
    ...          {"id": "3", "title": "T", "authors": "王颖", "clc": "TP3"}, {"id": "4", "title": "U", "authors": "王颖"}])
    {'1': '2', '3': '2'}
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault(same_paper_key(row), []).append(row)
    out: dict[str, str] = {}
    for group in groups.values():
        kept = min(group, key=lambda r: (not r.get("clc"), not r.get("keywords"), not r.get("affiliations"), r["id"]))
        out.update({r["id"]: kept["id"] for r in group if r is not kept})
    return dict(sorted(out.items()))


def trim(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(kept rows, reposts left out with ``same_as``), both trimmed and sorted by id: highest version per id, zh papers
    with a title and authors, one record per paper."""
    best: dict[str, dict] = {}
    for row in rows:
        if row.get("language") != "zh" or not row.get("title") or not row.get("authors") \
                or not_a_title(row["title"]):
            continue
        old = best.get(row["id"])
        if old is None or row["version"] > old["version"]:
            best[row["id"]] = row
    dropped = reposts(list(best.values()))
    out, again = [], []
    for pid in sorted(best):
        row = best[pid]
        kept = {key: row.get(key) for key in FIELDS}
        kept["abstract"] = (row.get("abstract") or "")[:ABSTRACT_CHARS]
        if pid in dropped:
            again.append({**kept, "same_as": dropped[pid]})
        else:
            out.append(kept)
    return out, again


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    args = list(argv)
    duplicates = None
    if "--duplicates" in args:
        i = args.index("--duplicates")
        duplicates = Path(args[i + 1])
        del args[i:i + 2]
    source, target = Path(args[0]), Path(args[1])
    with source.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    kept, again = trim(rows)
    _write(target, kept)
    if duplicates is not None:
        _write(duplicates, again)
    print(f"{len(rows)} rows read, {len(kept)} written to {target}, {len(again)} reposts left out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
