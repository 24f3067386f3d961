"""Build the NLP data files in ``data/nlp/`` from the raw public data (run by hand, not at run time).

    python -m ingest.nlp_build            # user_dict.txt, then stats-<segmenter>.json.gz per installed segmenter
    python -m ingest.nlp_build --segmenter jieba

What it writes (see data/nlp/SOURCE.md for the attribution of every input):

``user_dict.txt``
    The domain dictionary (:func:`build_domain_terms`): names of the hightech-fields-2016,
    NSFC pre-2020, NSFC post-2020 C and GB/T 4754-2011 taxonomies (and their stems without a
    generic suffix such as 技术/制造), every keyword of the NSFC C projects, compounds mined
    from project and CSL *train* titles (:func:`mine_title_phrases`), and the hand-curated
    ``user_terms_curated.txt``. No CSL keywords: the only CSL split with keywords is the dev
    split that ``bench/nlp_eval.py`` evaluates on.
``taxonomy_names.json``
    Code, name and parent of every entry of the four taxonomies field linking ranks.
``stats-<segmenter>.json.gz``
    Counts made with that segmenter's pipeline (:func:`build_stats`): the document frequency
    of every term in the background corpus (keyword extraction) and the per-code term counts
    of the NSFC C projects (field linking). Deterministic: same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.nlp import (
    NLP_DATA_DIR,
    STATS_FORMAT,
    STOP_WORDS_PATH,
    TAXONOMY_NAMES_PATH,
    TERM_CHARS_RE,
    USER_DICT_PATH,
    Segmenter,
    doc_terms,
    get_nlp,
    load_stop_words,
    name_terms,
    read_word_list,
    require_package,
    stats_path,
)
from ingest.nlp_sources import (
    NsfcProject,
    TaxonomyEntry,
    raw_data_dir,
    read_c_projects,
    read_csl_train_titles,
    read_g_project_titles,
    read_gbt4754_industries,
    read_hightech_fields,
    read_nsfc2020_codes,
    read_nsfc_codes,
)

__all__ = [
    "CURATED_TERMS_PATH",
    "term_is_valid",
    "mine_title_phrases",
    "build_domain_terms",
    "project_text",
    "build_stats",
    "write_word_list",
    "write_stats",
    "domain_terms_from_raw",
    "background_texts",
    "taxonomy_names_from_raw",
    "write_taxonomy_names",
    "main",
]

logger = logging.getLogger(__name__)

CURATED_TERMS_PATH = NLP_DATA_DIR / "user_terms_curated.txt"

_CJK_RE = re.compile(r"[\u4E00-\u9FD5]")
_MIN_TERM, _MAX_TERM = 2, 16


def term_is_valid(term: str, stop_words: frozenset[str] = frozenset()) -> bool:
    """Whether ``term`` can be a dictionary entry: 2–16 chars jieba keeps in one block, some CJK, not stop words.

    >>> stop = frozenset({"研究", "机制"})
    >>> [t for t in ["锂离子电池", "No.", "其他微生物", "研究", "机制研究", "DNA修复", "A B"] if term_is_valid(t, stop)]
    ['锂离子电池', 'DNA修复']
    """
    return (
        _MIN_TERM <= len(term) <= _MAX_TERM
        and TERM_CHARS_RE.fullmatch(term) is not None
        and _CJK_RE.search(term) is not None
        and not term.startswith(("其他", "其它"))
        and term not in stop_words
        and not any(term[:i] in stop_words and term[i:] in stop_words for i in range(1, len(term)))
    )


def mine_title_phrases(
    token_lists: Iterable[Sequence[str]],
    *,
    stop_words: frozenset[str] = frozenset(),
    min_count: int = 4,
    min_association: float = 0.3,
) -> list[str]:
    """Compounds of two adjacent words that occur together often enough to be one term.

    A pair ``(a, b)`` of content words (≥ 2 chars, some CJK, no stop word) is kept when it
    occurs at least ``min_count`` times and ``count(ab) / min(count(a), count(b))`` is at
    least ``min_association`` (the share of the rarer word's uses that are in this pair).

    Examples
    --------
    >>> lists = [["锂离子", "电池"]] * 4 + [["电池", "性能"]] * 4 + [["电池"]] * 6 + [["性能"]] * 20
    >>> mine_title_phrases(lists)  # 电池性能: 4 / min(14, 24) < 0.3
    ['锂离子电池']
    """
    unigrams: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()

    def ok(word: str) -> bool:
        return len(word) >= 2 and _CJK_RE.search(word) is not None and word not in stop_words

    for tokens in token_lists:
        unigrams.update(tokens)
        pairs.update((a, b) for a, b in zip(tokens, tokens[1:], strict=False) if ok(a) and ok(b))
    phrases = {
        a + b
        for (a, b), n in pairs.items()
        if n >= min_count and n / min(unigrams[a], unigrams[b]) >= min_association
    }
    return sorted(p for p in phrases if term_is_valid(p, stop_words))


def build_domain_terms(
    *,
    taxonomies: Iterable[Iterable[TaxonomyEntry]],
    keywords: Iterable[str],
    titles: Iterable[str],
    curated: Iterable[str] = (),
    stop_words: frozenset[str] = frozenset(),
) -> list[str]:
    """The sorted domain dictionary from taxonomy names, project keywords, mined title compounds and curated terms.

    Titles are segmented with plain jieba (no user dictionary) to mine compounds; the
    result does not depend on which segmenter the pipeline later uses.
    """
    jieba = require_package("jieba", purpose="Mining title compounds")
    jieba.setLogLevel(logging.WARNING)
    plain = jieba.Tokenizer()
    terms: set[str] = set()
    for taxonomy in taxonomies:
        for entry in taxonomy:
            terms.update(t for t in name_terms(entry.name) if term_is_valid(t, stop_words))
    n_tax = len(terms)
    terms.update(k for k in keywords if term_is_valid(k, stop_words))
    n_kw = len(terms) - n_tax
    mined = mine_title_phrases((list(plain.cut(t)) for t in titles), stop_words=stop_words)
    terms.update(mined)
    terms.update(t for t in curated if term_is_valid(t, stop_words))
    logger.info("domain terms: %d from taxonomy names, +%d keywords, %d mined compounds, %d in all",
                n_tax, n_kw, len(mined), len(terms))
    return sorted(terms)


def project_text(project: NsfcProject, *, with_keywords: bool = True) -> str:
    """The text a project is known by: its title, then its keywords (separated by "；")."""
    if with_keywords and project.keywords:
        return project.title + "；" + "；".join(project.keywords)
    return project.title


def build_stats(
    segmenter: Segmenter | str,
    *,
    projects: Sequence[NsfcProject],
    background: Sequence[str],
    user_dict: Path | None = None,
) -> dict[str, Any]:
    """Term counts made with ``segmenter``'s pipeline.

    Returns
    -------
    dict
        ``{"format", "segmenter", "background": {"n_docs", "df"}, "nsfc2020": {"doc_count", "term_counts"}}``:
        document frequencies over ``background`` plus the projects (title + keywords), and
        for every post-2020 code the number of its projects and how many of them contain each term.
    """
    nlp = get_nlp(segmenter, user_dict=user_dict)
    df: Counter[str] = Counter()
    doc_count: Counter[str] = Counter()
    term_counts: dict[str, Counter[str]] = {}
    texts = [project_text(p) for p in projects]
    for project, doc in zip(projects, nlp.pipe(texts, batch_size=256), strict=True):
        terms = set(doc_terms(doc))
        df.update(terms)
        doc_count[project.code] += 1
        term_counts.setdefault(project.code, Counter()).update(terms)
    for doc in nlp.pipe(background, batch_size=256):
        df.update(set(doc_terms(doc)))
    return {
        "format": STATS_FORMAT,
        "segmenter": Segmenter(segmenter).value,
        "background": {"n_docs": len(texts) + len(background), "df": dict(sorted(df.items()))},
        "nsfc2020": {
            "doc_count": dict(sorted(doc_count.items())),
            "term_counts": {code: dict(sorted(c.items())) for code, c in sorted(term_counts.items())},
        },
    }


def write_word_list(path: Path, words: Iterable[str]) -> None:
    """One word per line, UTF-8, ``\\n`` line ends (the format jieba and pkuseg both read)."""
    path.write_text("".join(f"{w}\n" for w in words), encoding="utf-8")


def write_stats(path: Path, stats: dict[str, Any]) -> None:
    """Gzipped, key-sorted JSON with a zero timestamp, so a rebuild from the same data is byte-identical."""
    raw = json.dumps(stats, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    with path.open("wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
        gz.write(raw)


def domain_terms_from_raw(raw: Path, projects: Sequence[NsfcProject]) -> list[str]:
    """:func:`build_domain_terms` over the raw data, with keywords and C titles from ``projects`` only."""
    stop = load_stop_words(STOP_WORDS_PATH)
    return build_domain_terms(
        taxonomies=[read_hightech_fields(raw), read_nsfc_codes(raw), read_nsfc2020_codes(raw),
                    read_gbt4754_industries(raw)],
        keywords=[k for p in projects for k in p.keywords],
        titles=[p.title for p in projects] + read_g_project_titles(raw) + read_csl_train_titles(raw),
        curated=read_word_list(CURATED_TERMS_PATH),
        stop_words=stop,
    )


def taxonomy_names_from_raw(raw: Path) -> dict[str, Any]:
    """``{"schemes": {scheme: [[code, name, parent], ...]}}`` for nsfc, nsfc2020, ht2016 and gbt4754."""
    schemes = {
        "nsfc": read_nsfc_codes(raw),
        "nsfc2020": read_nsfc2020_codes(raw),
        "ht2016": read_hightech_fields(raw),
        "gbt4754": read_gbt4754_industries(raw),
    }
    return {"schemes": {k: [[e.code, e.name, e.parent] for e in v] for k, v in schemes.items()}}


def write_taxonomy_names(path: Path, data: dict[str, Any]) -> None:
    """JSON with one ``[code, name, parent]`` entry per line, so diffs of a rebuild stay readable."""
    lines = ['{"schemes": {']
    schemes = list(data["schemes"].items())
    for i, (scheme, rows) in enumerate(schemes):
        lines.append(f"{json.dumps(scheme)}: [")
        lines.extend(json.dumps(row, ensure_ascii=False) + ("," if j < len(rows) - 1 else "") for j, row in enumerate(rows))
        lines.append("]" + ("," if i < len(schemes) - 1 else ""))
    lines.append("}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def background_texts(raw: Path) -> list[str]:
    """The background corpus besides the C projects: G project titles and CSL train titles."""
    return read_g_project_titles(raw) + read_csl_train_titles(raw)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: rebuild ``user_dict.txt`` and the per-segmenter stats."""
    parser = argparse.ArgumentParser(prog="python -m ingest.nlp_build", description=__doc__.split("\n")[0])
    parser.add_argument("--segmenter", choices=[s.value for s in Segmenter], action="append",
                        help="build stats for this segmenter only (repeatable; default: both)")
    parser.add_argument("--raw", type=Path, default=None, help="raw data folder (default: ../shared/data/raw)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    raw = args.raw or raw_data_dir()
    projects = read_c_projects(raw)
    write_word_list(USER_DICT_PATH, domain_terms_from_raw(raw, projects))
    logger.info("wrote %s", USER_DICT_PATH)
    write_taxonomy_names(TAXONOMY_NAMES_PATH, taxonomy_names_from_raw(raw))
    logger.info("wrote %s", TAXONOMY_NAMES_PATH)
    background = background_texts(raw)
    for seg in args.segmenter or [s.value for s in Segmenter]:
        stats = build_stats(seg, projects=projects, background=background)
        write_stats(stats_path(seg), stats)
        logger.info("wrote %s (%d terms)", stats_path(seg), len(stats["background"]["df"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
