"""Where does the true PI go missing? Candidate recall per source on a split's dev part, and why it misses.

    python -m bench.pi_recall --split var/eval/g2014 [--k 50,100,200,500] [--part dev|test]
    python -m bench.pi_recall --split var/eval/g2014 --mrr "text_candidates=50;semantic_candidates=50"

The dev part is what the ranker is chosen on: the split graph's own history (projects led in the two years
before the reference year by experts with an earlier project, sampled as :func:`recommend.ranker_data.project_groups`
does), its latest year (:func:`recommend.ranker.dev_split`), everything seen as of two years before the
reference year. ``--part test`` reads the split's queries over the whole graph instead (run once, at the end).

Per query and source, the rank of the true PI in that source's ranking of every expert:

* ``text``: the whole-graph index (BM25 over keywords and project titles, what ``text_candidates`` takes the top of);
* ``expanded``: the same with the semantic model's related words added (the engine's second text list);
* ``semantic``: the latent-space cosine of the title and every profile (not a candidate source today);
* ``fields``: the query project's own field (申请代码) through the field paths, strongest first — an oracle for
  the field linker (the evaluation's queries carry no field, so this source is empty there).

Recall@k per source and for the unions, then the misses of today's candidates (``text`` ∪ ``expanded`` at
the ``text_candidates`` setting): the true PI's profile shares no query word, shares some but ranks beyond
the cap, or has no profile text before the cut. Nothing is fitted. The last line is JSON.

``--mrr``: for each candidate configuration (settings overrides, ``;`` between configurations), the engine's
training groups of the split (:func:`recommend.ranker_data.project_groups`, as ``kgmatch evaluate pi-retrieval``
builds them; cached per configuration in the split directory) and, on their dev year only, the share of
queries whose PI is among the candidates, the MRR with the hand weights and each learner's dev MRR
(:func:`recommend.ranker.select_ranker`'s table). The split's queries are not read.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from api.cli.recommend import _queries
from graph.local_store import LocalStore
from ingest.evaluation_data import load_evaluation_projects
from ingest.nlp import content_words
from recommend.config import resolve
from recommend.profiles import load_profiles
from recommend.retrieval import ExpertIndex, fit_activity_prior
from recommend.semantics import ProfileVectors, features, get_semantic_model

SOURCES = ("text", "expanded", "semantic", "fields")


def _rank(scores: np.ndarray, pos: int | None) -> int | None:
    """1-based rank of row ``pos`` in ``scores`` (ties by position), None when it scores nothing."""
    if pos is None or scores[pos] <= 0:
        return None
    s = scores[pos]
    return int(np.sum(scores > s) + np.sum(scores[:pos] == s)) + 1


def dev_queries(profiles, *, cut: int, end: int, max_queries: int = 600, seed: int = 0):
    """(title, PI id, project id, field ids placeholder, year) of the dev year, as project_groups samples them."""
    known = {p.id for p in profiles if any(x.start_year is not None and x.start_year < cut for x in p.projects)}
    raw = sorted({(x.id, x.title, p.id, x.start_year) for p in profiles if p.id in known for x in p.projects
                  if x.role == "lead" and x.start_year is not None and cut <= x.start_year < end and x.title})
    if len(raw) > max_queries:
        rng = np.random.default_rng(seed)
        raw = [raw[i] for i in sorted(rng.choice(len(raw), max_queries, replace=False))]
    last = max(r[3] for r in raw)
    return [r for r in raw if r[3] == last]


def measure(split: Path, ks: list[int], part: str = "dev") -> dict[str, object]:
    """Recall@k per source and the miss reasons."""
    settings = resolve()
    model = get_semantic_model()
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(split / "projects.csv", store)
        profiles = load_profiles(store)
        ref = max(p.start_year for prof in profiles for p in prof.projects if p.start_year) + 1
        if part == "dev":
            year = ref - 2
            queries = [(title, pi, pid) for pid, title, pi, _ in dev_queries(profiles, cut=year, end=ref)]
        else:
            year = ref
            queries = [(q.title, q.gold_id, None) for q in _queries(split / "queries.csv")]
        index = ExpertIndex(profiles, tokenize=content_words, ref_year=year,
                            prior=fit_activity_prior(profiles, ref_year=year))
        vectors = ProfileVectors.build(model, index.texts()) if model is not None else None
        own_field: dict[str, list[str]] = {}
        if part == "dev":
            from graph.model import Label, RelType
            from graph.store import Direction
            from recommend.candidates import _paths_to_experts, expand_fields

            pids = sorted({pid for _, _, pid in queries})
            for src, nb in store.expand([n.ref for n in store.get_nodes(Label.PROJECT, pids)],
                                        direction=Direction.OUT, rel_types=[RelType.IN_FIELD], labels=[Label.FIELD]):
                own_field.setdefault(src.id, []).append(nb.node.id)
        rows = []
        for title, gold, pid in queries:
            pos = index.position(gold)
            tokens = content_words(title)
            text_part = index.text_scores(title)
            rank = {"text": _rank(index.combined(text_part), pos)}
            expansion = model.expand(tokens, text=title, limit=int(settings["semantic_expansion_terms"]),
                                     min_query_similarity=float(settings["semantic_expansion_min_similarity"])
                                     ) if model is not None else []
            rank["expanded"] = _rank(index.combined(index.text_scores(" ".join([title, *expansion]))), pos) \
                if expansion else None
            if vectors is not None and pos is not None:
                q = model.vectors([features(tokens, title)])[0]
                rank["semantic"] = _rank(np.clip(vectors.matrix @ q, 0.0, None), vectors.rows.get(gold))
            else:
                rank["semantic"] = None
            rank["fields"] = None
            if own_field.get(pid):
                fields = {f: 1.0 for f in own_field[pid]}
                chosen, _ = _paths_to_experts(store, expand_fields(store, fields, settings), fields,
                                              member_share=float(settings["project_member_share"]),
                                              fanout=int(settings["fanout_per_field"]) or None, limit=None)
                rank["fields"] = chosen.index(gold) + 1 if gold in chosen else None
            words = set(index.words[gold][1]) if gold in index.words else set()
            shared = sum(1 for t in set(tokens) if t in words)
            rows.append({"rank": rank, "shared": shared, "query_words": len(set(tokens)), "profile": bool(words)})
    n = len(rows)
    cap = int(settings["text_candidates"])

    def hit(r: dict, src: str, k: int) -> bool:
        return r["rank"].get(src) is not None and r["rank"][src] <= k

    recall = {src: {k: round(sum(hit(r, src, k) for r in rows) / n, 4) for k in ks} for src in SOURCES}
    recall["any_rank"] = {src: round(sum(r["rank"][src] is not None for r in rows) / n, 4) for src in SOURCES}
    unions = {"text+expanded": ("text", "expanded"), "text+expanded+semantic": ("text", "expanded", "semantic")}
    for name, srcs in unions.items():
        recall[name] = {k: round(sum(any(hit(r, s, k) for s in srcs) for r in rows) / n, 4) for k in ks}
    today = [r for r in rows if not (hit(r, "text", cap) or hit(r, "expanded", cap))]
    reasons = {"no_profile_text": sum(1 for r in today if not r["profile"]),
               "no_shared_word": sum(1 for r in today if r["profile"] and r["shared"] == 0),
               "shared_but_beyond_cap": sum(1 for r in today if r["profile"] and r["shared"] > 0)}
    beyond = sorted(r["rank"]["text"] for r in today if r["rank"]["text"] is not None)
    semantic_rescue = {k: sum(1 for r in today if hit(r, "semantic", k)) for k in ks}
    return {"split": str(split), "part": part, "year": year, "queries": n, "text_candidates": cap,
            "today_recall": round(1 - len(today) / max(n, 1), 4), "today_misses": len(today), "reasons": reasons,
            "misses_text_rank_quartiles": [beyond[int(q * (len(beyond) - 1))] for q in (0.25, 0.5, 0.75)] if beyond else [],
            "misses_found_by_semantic_at_k": semantic_rescue, "recall_at_k": recall}


def _config(text: str) -> dict[str, int]:
    return {k.strip(): int(v) for k, v in (part.split("=") for part in text.split(",") if part.strip())}


def dev_mrr(split: Path, configs: list[str]) -> dict[str, dict[str, object]]:
    """Dev-year recall and MRR of the engine's training groups per candidate configuration."""
    import pickle

    from recommend.ranker import dev_split, group_mrr, hand_weights, rank_group, select_ranker
    from recommend.ranker_data import project_groups

    out: dict[str, dict[str, object]] = {}
    first: set[str] = set()  # the first configuration's dev queries with the PI among the candidates
    with tempfile.TemporaryDirectory() as tmp, LocalStore(tmp) as store:
        load_evaluation_projects(split / "projects.csv", store)
        profiles = load_profiles(store)
        ref = max(p.start_year for prof in profiles for p in prof.projects if p.start_year) + 1
        for text in configs:
            overrides = _config(text)
            name = ",".join(f"{k}={v}" for k, v in sorted(overrides.items())) or "defaults"
            cache = split / f"train-groups-{name.replace(',', '-').replace('=', '')}.pickle"
            started = time.perf_counter()
            if cache.exists():
                groups = pickle.loads(cache.read_bytes())
            else:
                groups = project_groups(store, profiles, tokenize=content_words, cut=ref - 2, end=ref,
                                        use_fields=False, settings={**resolve(), **overrides})
                cache.write_bytes(pickle.dumps(groups))
            _, dev = dev_split(groups)
            _, table = select_ranker(groups)
            best = max((v, k) for k, v in table.items() if k != "hand")
            fit, _ = dev_split(groups)
            chosen, _ = select_ranker(fit)  # fitted without the dev year: its dev ranking is honest
            pooled = {g.query for g in dev if any(e in g.relevant for e, _ in g.candidates)}
            first = first if out else pooled
            new = [g for g in dev if g.query in pooled - first]
            rr = [next((1 / (i + 1) for i, e in enumerate(rank_group(g, w)) if e in g.relevant), 0.0)
                  for w in (hand_weights(), chosen.weights) for g in new]
            out[name] = {"dev_queries": len(dev), "dev_recall": round(sum(1 for g in dev if any(
                e in g.relevant for e, _ in g.candidates)) / max(len(dev), 1), 4),
                "mean_candidates": round(sum(len(g.candidates) for g in dev) / max(len(dev), 1), 1),
                "dev_hand_mrr": round(group_mrr(dev, hand_weights()), 4), "dev_best_learner": best[1],
                "dev_best_mrr": best[0], "table": table, "seconds": round(time.perf_counter() - started, 1),
                "newly_in_pool": len(new), "their_rr_sum_hand": round(sum(rr[:len(new)]), 3),
                "their_rr_sum_learned": round(sum(rr[len(new):]), 3),
                "their_rank_le_10_learned": sum(1 for x in rr[len(new):] if x >= 0.1)}
            r = out[name]
            print(f"{name:<48} dev recall {r['dev_recall']:.3f}  candidates {r['mean_candidates']:>6}  MRR hand "
                  f"{r['dev_hand_mrr']:.4f}  best {r['dev_best_mrr']:.4f} ({r['dev_best_learner']})  {r['seconds']} s; "
                  f"newly among candidates {r['newly_in_pool']}: RR sum hand {r['their_rr_sum_hand']} learned "
                  f"{r['their_rr_sum_learned']}, top 10 {r['their_rank_le_10_learned']}",
                  flush=True)
    return out


def main() -> None:
    """Measure and print a table, one JSON line last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", type=Path, required=True)
    parser.add_argument("--k", default="50,100,200,500")
    parser.add_argument("--part", choices=("dev", "test"), default="dev")
    parser.add_argument("--mrr", default=None, help="candidate configurations: dev-year MRR per configuration")
    args = parser.parse_args()
    if args.mrr is not None:
        print(json.dumps(dev_mrr(args.split, args.mrr.split(";")), ensure_ascii=False))
        return
    ks = [int(x) for x in args.k.split(",")]
    out = measure(args.split, ks, args.part)
    print(f"{out['split']} {out['part']} (year {out['year']}): {out['queries']} queries; today's candidates "
          f"(text ∪ expanded, {out['text_candidates']} each) hold the true PI in {out['today_recall']:.1%}")
    print(f"misses {out['today_misses']}: {out['reasons']}; their text rank quartiles "
          f"{out['misses_text_rank_quartiles']}; found by semantic at k {out['misses_found_by_semantic_at_k']}")
    print(f"{'source':<24}" + "".join(f"{'@' + str(k):>8}" for k in ks))
    for src, row in out["recall_at_k"].items():
        if src != "any_rank":
            print(f"{src:<24}" + "".join(f"{row[k]:>8.3f}" for k in ks))
    print(f"ranked at all: {out['recall_at_k']['any_rank']}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
