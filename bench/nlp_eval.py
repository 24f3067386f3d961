"""Chinese NLP on real data, jieba vs pkuseg, with baselines measured in the same run.

    python -m bench.nlp_eval [--seed 13] [--test-fraction 0.2] [--segmenter jieba --segmenter pkuseg]

1. Field linking (post-2020 NSFC C codes): a seeded split of the 4,762 NSFC life-science
   projects; the domain dictionary, background counts and naive Bayes model are rebuilt from
   the TRAIN part only (nothing of a held-out project is seen), then every held-out project's
   code is predicted from title + keywords and from the title alone: accuracy@1 and @5.
   Baselines: the majority code, and lexical similarity to the code names (no learning).
2. Keyword extraction against the 1,000 CSL dev keyword lists (abstract + title → keywords):
   exact-match precision / recall / F1 @5 and @10. Baseline: jieba.analyse.extract_tags
   (jieba's own TF-IDF with its shipped IDF table), same k; ablations without the domain
   boost and without compound candidates. (The compound candidates were adopted after
   looking at this dev set — there is no CSL keyword train split — so their gain here is
   optimistic; the held-out CSL test split is the place to confirm it.)
3. Segmentation speed: tokenizer only over the 1,000 CSL abstracts, chars/s (best of 3).
4. Coverage (the factor that damps C weights for off-topic texts): mean over held-out C
   projects vs CSL 工学 (engineering) abstracts.

Prints a table, then one JSON line with every number and the chosen default segmenter.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # `python bench/nlp_eval.py` as well as `python -m bench.nlp_eval`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.field_linking import (  # noqa: E402
    build_lexical_index,
    code_model_from_stats,
    coverage,
    lexical_features,
    rank_codes,
    rank_lexical,
)
from ingest.keywords import DOMAIN_BOOST, background_from_stats, keyword_candidates, rank_keywords  # noqa: E402
from ingest.nlp import Segmenter, doc_terms, get_nlp, load_user_dict, require_package  # noqa: E402
from ingest.nlp_build import (  # noqa: E402
    background_texts,
    build_stats,
    domain_terms_from_raw,
    project_text,
    write_word_list,
)
from ingest.nlp_sources import (  # noqa: E402
    NsfcProject,
    raw_data_dir,
    read_c_projects,
    read_csl_keyword_cases,
    read_nsfc2020_codes,
    seeded_split,
)

logger = logging.getLogger("bench.nlp_eval")


def accuracy_at(ranked: Sequence[Sequence[str]], gold: Sequence[str], k: int) -> float:
    """Share of cases whose gold label is among the first ``k`` predictions (higher is better)."""
    return sum(g in r[:k] for r, g in zip(ranked, gold, strict=True)) / len(gold) if gold else 0.0


def prf_at(predicted: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], k: int) -> tuple[float, float, float]:
    """Macro-averaged exact-match precision, recall and F1 of the first ``k`` predictions (higher is better).

    Precision divides by ``k`` (a short list is not rewarded); F1 is the harmonic mean of the averages.
    """
    p_sum = r_sum = 0.0
    for pred, g in zip(predicted, gold, strict=True):
        gold_set = set(g)
        hits = len(set(pred[:k]) & gold_set)
        p_sum += hits / k
        r_sum += hits / len(gold_set) if gold_set else 0.0
    n = len(gold)
    p, r = p_sum / n, r_sum / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _speed(make_doc: Callable[[str], object], texts: Sequence[str], repeats: int = 3) -> float:
    chars = sum(len(t) for t in texts)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for t in texts:
            make_doc(t)
        best = min(best, time.perf_counter() - start)
    return chars / best


def evaluate_segmenter(
    seg: Segmenter,
    *,
    user_dict: Path,
    train: Sequence[NsfcProject],
    test: Sequence[NsfcProject],
    background: Sequence[str],
    csl_texts: Sequence[str],
    csl_gold: Sequence[Sequence[str]],
    csl_engineering: Sequence[str],
    code_names: Sequence[tuple[str, str, str | None]],
) -> dict[str, float]:
    """Every measurement for one segmenter (see the module docstring)."""
    t0 = time.perf_counter()
    nlp = get_nlp(seg, user_dict=user_dict)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    stats = build_stats(seg, projects=train, background=background, user_dict=user_dict)
    train_s = time.perf_counter() - t0
    model = code_model_from_stats(stats)
    bg = background_from_stats(stats)
    gold = [p.code for p in test]
    out: dict[str, float] = {"pipeline_build_s": build_s, "stats_build_s": train_s}

    index = build_lexical_index("nsfc2020", code_names, lambda name: lexical_features(doc_terms(nlp(name))))
    for variant, with_kw in (("title_kw", True), ("title", False)):
        docs = list(nlp.pipe([project_text(p, with_keywords=with_kw) for p in test], batch_size=256))
        terms = [doc_terms(d) for d in docs]
        ranked = [[c for c, _ in rank_codes(model, t, top_k=5)] for t in terms]
        lexical = [[c for c, _ in rank_lexical(index, lexical_features(t), top_k=5, require_term=False)] for t in terms]
        for k in (1, 5):
            out[f"nb_{variant}_acc@{k}"] = accuracy_at(ranked, gold, k)
            out[f"lexical_{variant}_acc@{k}"] = accuracy_at(lexical, gold, k)
        if with_kw:
            out["coverage_c_heldout"] = sum(coverage(t, model.term_counts, bg) for t in terms) / len(terms)

    eng_terms = [doc_terms(d) for d in nlp.pipe(csl_engineering, batch_size=128)]
    out["coverage_csl_engineering"] = sum(coverage(t, model.term_counts, bg) for t in eng_terms) / len(eng_terms)

    domain = load_user_dict(user_dict)
    csl_docs = list(nlp.pipe(csl_texts, batch_size=128))
    with_compounds = [keyword_candidates(d) for d in csl_docs]
    without_compounds = [doc_terms(d) for d in csl_docs]
    for tag, boost, candidates in (
        ("kw", DOMAIN_BOOST, with_compounds),
        ("kw_noboost", 1.0, with_compounds),  # ablation: no domain-term boost
        ("kw_nocompound", DOMAIN_BOOST, without_compounds),  # ablation: no repeated-compound candidates
    ):
        predicted = [[k.term for k in rank_keywords(t, bg, domain_terms=domain, top_k=10, domain_boost=boost)]
                     for t in candidates]
        for k in (5, 10):
            p, r, f = prf_at(predicted, csl_gold, k)
            out[f"{tag}_P@{k}"], out[f"{tag}_R@{k}"], out[f"{tag}_F1@{k}"] = p, r, f

    out["chars_per_s"] = _speed(nlp.make_doc, csl_texts)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(prog="python -m bench.nlp_eval", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--segmenter", choices=[s.value for s in Segmenter], action="append")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    raw = raw_data_dir()
    projects = read_c_projects(raw)
    train, test = seeded_split(projects, test_fraction=args.test_fraction, seed=args.seed)
    cases = read_csl_keyword_cases(raw)
    csl_texts = [c.text for c in cases]
    csl_gold = [list(c.keywords) for c in cases]
    categories = [line.rstrip("\n").split("\t")[2] for line in
                  (raw / "csl-benchmark-dev" / "cls_ctg_dev.tsv").read_text(encoding="utf-8").splitlines()]
    csl_engineering = [t for t, cat in zip(csl_texts, categories, strict=True) if cat == "工学"]
    background = background_texts(raw)
    code_names = [(e.code, e.name, None) for e in read_nsfc2020_codes(raw)]
    majority = Counter(p.code for p in train).most_common(1)[0][0]

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        user_dict = Path(tmp) / "user_dict_train.txt"
        write_word_list(user_dict, domain_terms_from_raw(raw, train))  # train keywords and titles only
        for seg in [Segmenter(s) for s in (args.segmenter or [s.value for s in Segmenter])]:
            results[seg.value] = evaluate_segmenter(
                seg, user_dict=user_dict, train=train, test=test, background=background, csl_texts=csl_texts,
                csl_gold=csl_gold, csl_engineering=csl_engineering, code_names=code_names,
            )

    analyse = require_package("jieba.analyse", purpose="The jieba TF-IDF baseline")

    baseline: dict[str, float] = {"majority_acc@1": sum(p.code == majority for p in test) / len(test)}
    tags = [analyse.extract_tags(t, topK=10) for t in csl_texts]
    for k in (5, 10):
        p, r, f = prf_at(tags, csl_gold, k)
        baseline[f"jieba_tfidf_P@{k}"], baseline[f"jieba_tfidf_R@{k}"], baseline[f"jieba_tfidf_F1@{k}"] = p, r, f

    rows = sorted({key for r in results.values() for key in r})
    segs = list(results)
    print(f"NSFC C projects: {len(train)} train / {len(test)} held out (seed {args.seed}); "
          f"CSL dev keyword cases: {len(cases)}")
    print(f"{'metric':32s}" + "".join(f"{s:>12s}" for s in segs))
    for key in rows:
        fmt = "{:>12,.0f}" if key == "chars_per_s" else "{:>12.3f}" if key.endswith("_s") else "{:>12.4f}"
        print(f"{key:32s}" + "".join(fmt.format(results[s][key]) for s in segs))
    print("baselines: " + ", ".join(f"{k}={v:.4f}" for k, v in baseline.items()))

    summary: dict[str, object] = {"seed": args.seed, "n_train": len(train), "n_test": len(test),
                                  "results": results, "baselines": baseline}
    if {"jieba", "pkuseg"} <= set(results):
        j, p = results["jieba"], results["pkuseg"]
        summary["speed_ratio_jieba_over_pkuseg"] = j["chars_per_s"] / p["chars_per_s"]
        votes = {
            "nb_title_kw_acc@1": j["nb_title_kw_acc@1"] - p["nb_title_kw_acc@1"],
            "nb_title_acc@1": j["nb_title_acc@1"] - p["nb_title_acc@1"],
            "kw_F1@5": j["kw_F1@5"] - p["kw_F1@5"],
        }
        summary["jieba_minus_pkuseg"] = votes
        wins = sum(v > 0 for v in votes.values())
        # Quality first (a majority of the three headline metrics); speed only breaks a tie.
        default = "jieba" if wins >= 2 or (wins == 1 and j["chars_per_s"] > p["chars_per_s"]) else "pkuseg"
        summary["default_segmenter"] = default
        print(f"speed jieba/pkuseg = {summary['speed_ratio_jieba_over_pkuseg']:.1f}x; "
              f"jieba - pkuseg: {', '.join(f'{k} {v:+.4f}' for k, v in votes.items())}; default: {default}")
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
