"""Field linking measured: the SME demand set (old lexical linker vs the supervised one) and patent IPC subclasses.

    python -m bench.field_linking [--split test|dev|all] [--no-patents]

1. Demands (``data/eval/sme-demands``, hand-labelled before tuning): accuracy@1 and @3 of the
   second-level 高新技术领域 field, with Wilson 95 % intervals.
   * ``old``: :func:`ingest.field_linking.understand_demand` with ``linker="lexical"`` (the linker
     before this change: name similarity + the NSFC-C naive Bayes), its fields read as ht2016
     second-level codes (ht2016 links by their ancestor, NSFC links through the crosswalk's main target),
     strongest first;
   * ``old-ht2016``: the same, only its ht2016 links (what the old linker said in the enterprise taxonomy);
   * ``new``: the supervised linker's ranking of a demand (:func:`ingest.field_linking.rank_demand`);
   * ``new-linked``: the fields ``understand_demand`` actually stores (``choose_fields``), "@3" = any of them.
   The model's hyper-parameters were chosen on ``dev``; report ``test``.
2. Patents (``data/patents``, our seeded split): IPC subclass accuracy@1/@3 on the ``test`` rows
   (a hit = a gold subclass among the top k) of the linker's IPC head vs a TF-IDF (jieba words)
   + linear SVM trained on the same ``train`` rows.

Prints a table, then one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crosswalk_precision import wilson  # noqa: E402
from bench.sme_demands import SPLITS, SmeDemand, load_sme_demands  # noqa: E402

__all__ = ["training_split", "cell", "old_ranking", "accuracy_at", "demand_accuracy", "patent_accuracy", "main"]


def training_split(split: str) -> str | None:
    """The file of ``split`` when the linker trains on it (dem35, dem36), else None.

    >>> training_split("dev3"), training_split("dev8"), training_split("test")
    ('dev3.tsv', None, None)
    """
    from bench.sme_demands import EXTRA_SPLITS
    from ingest.field_model import DEMAND_TRAIN_FILES

    path = EXTRA_SPLITS.get(split)
    return path.name if path is not None and path.name in DEMAND_TRAIN_FILES else None


def old_ranking(fields: Sequence[tuple[str, float]], *, ht2016_only: bool = False) -> list[str]:
    """Second-level ht2016 codes implied by linked field ids, strongest first, each once."""
    from ingest.crosswalk import get_crosswalk

    cw = get_crosswalk()
    out: list[str] = []
    for field_id, _ in sorted(fields, key=lambda fw: -fw[1]):
        scheme, _, code = field_id.partition(":")
        if scheme == "ht2016":
            level2 = [code[:3]] if len(code) >= 3 else []
        elif ht2016_only:
            continue
        else:
            level2 = [t for t, w in cw.targets(scheme, code) if w == 1.0]
        out += [c for c in level2 if c not in out]
    return out


def accuracy_at(ranked: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], k: int) -> tuple[int, int]:
    """(hits, n): a hit when any gold label is among the first ``k`` predicted.

    >>> accuracy_at([["a", "b"], ["c"]], [["b"], ["a"]], 2)
    (1, 2)
    """
    hits = sum(any(g in r[:k] for g in gs) for r, gs in zip(ranked, gold, strict=True))
    return hits, len(gold)


def cell(hits: int, n: int) -> dict[str, object]:
    """An accuracy with its count and Wilson 95 % interval.

    >>> cell(3, 4)["acc"], cell(0, 0)["acc"]
    (0.75, None)
    """
    lo, hi = wilson(hits, n)
    return {"acc": round(hits / n, 3) if n else None, "hits": hits, "n": n, "ci95": [round(lo, 3), round(hi, 3)]}


def demand_accuracy(demands: Sequence[SmeDemand]) -> dict[str, dict[str, object]]:
    """Accuracy@1/@3 per linker over ``demands``."""
    from ingest.field_linking import rank_demand, understand_demand

    gold = [d.fields for d in demands]
    rankings: dict[str, list[list[str]]] = {"old": [], "old-ht2016": [], "new": [], "new-linked": []}
    for d in demands:
        old = understand_demand(d.text, linker="lexical")
        rankings["old"].append(old_ranking(old.fields))
        rankings["old-ht2016"].append(old_ranking(old.fields, ht2016_only=True))
        rankings["new"].append([c for c, _ in rank_demand(d.text, top_k=5)])
        new = understand_demand(d.text, linker="supervised")
        linked = [f.split(":", 1)[1] for f, _ in new.fields if f.startswith("ht2016:")]
        rankings["new-linked"].append(linked)
    out: dict[str, dict[str, object]] = {}
    for name, ranked in rankings.items():
        if name == "new-linked":
            out[name] = {"@any": cell(*accuracy_at(ranked, gold, 3)),
                         "mean_fields": round(sum(len(r) for r in ranked) / len(ranked), 2)}
        else:
            out[name] = {"@1": cell(*accuracy_at(ranked, gold, 1)), "@3": cell(*accuracy_at(ranked, gold, 3))}
    return out


def patent_accuracy() -> dict[str, dict[str, object]]:
    """IPC subclass accuracy@1/@3 on the test split: the linker's IPC head vs TF-IDF + linear SVM."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from ingest.field_model import _jieba_words, patent_rows, train_field_model, training_texts

    train, test = patent_rows("train"), patent_rows("test")
    gold = [subs for _, _, subs in test]
    # the linker's model (same features, same classifier and settings) with its IPC head, on the train split only
    model = train_field_model(texts=training_texts(sources=("patents",)), ipc_head=True)
    new = [[c for c, _ in r] for r in model.rank_many([t for _, t, _ in test], head="ipc", top_k=3)]
    started = time.perf_counter()
    vec = TfidfVectorizer(analyzer=_jieba_words, sublinear_tf=True)
    rows = [(title, sub) for _, title, subs in train for sub in subs]
    x = vec.fit_transform([t for t, _ in rows])
    svm = LinearSVC(C=1.0).fit(x, [s for _, s in rows])
    scores = svm.decision_function(vec.transform([t for _, t, _ in test]))
    base = [[svm.classes_[i] for i in np.argsort(-row)[:3]] for row in scores]
    log = logging.getLogger(__name__)
    log.info("svm baseline trained in %.1f s", time.perf_counter() - started)
    return {name: {"@1": cell(*accuracy_at(r, gold, 1)), "@3": cell(*accuracy_at(r, gold, 3))}
            for name, r in (("new", new), ("tfidf-svm", base))} | {"rows": {"train": len(train), "test": len(test)}}


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=SPLITS, default="test")
    parser.add_argument("--no-patents", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    demands = load_sme_demands(split=None if args.split == "all" else args.split)
    result: dict[str, object] = {"split": args.split, "demands": demand_accuracy(demands)}
    trained_on = training_split(args.split)
    if trained_on:
        result["training_split"] = True
        print(f"NOTE: {trained_on} is training text of the linker (ingest.field_model.DEMAND_TRAIN_FILES): "
              "the figures below measure memory, not generalisation")
    print(f"SME demands ({args.split}, n={len(demands)}): second-level 高新技术领域 accuracy (95% Wilson CI)")
    for name, cells in result["demands"].items():  # type: ignore[union-attr]
        print(f"  {name:11s} " + "  ".join(
            f"{k} {v['acc']:.3f} [{v['ci95'][0]:.2f}, {v['ci95'][1]:.2f}]" if isinstance(v, dict) else f"{k} {v}"
            for k, v in cells.items()))
    if not args.no_patents:
        result["patents"] = patent_accuracy()
        print("Patents (test split): IPC subclass accuracy")
        for name, cells in result["patents"].items():  # type: ignore[union-attr]
            if name != "rows":
                print(f"  {name:11s} " + "  ".join(
                    f"{k} {v['acc']:.3f} [{v['ci95'][0]:.2f}, {v['ci95'][1]:.2f}]" for k, v in cells.items()))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
