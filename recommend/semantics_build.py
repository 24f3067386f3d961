"""Build the semantic model (:mod:`recommend.semantics`) from the shipped corpora, deterministically.

    python -m recommend.semantics_build [--out var/models/semantics-v1.npz] [--small]   # make semantics

Texts (never the evaluation set ``data/eval/``): NSFC project titles and keywords (C, G, F0208),
ChinaXiv papers (title, keywords, the first 300 characters of the abstract), CSL papers (the same),
patent titles and the names of the 高新技术领域 (2016). Each text is segmented with the engine's
tokenizer (``ingest.nlp.content_words``) plus CJK bigrams (:func:`recommend.semantics.features`);
TF-IDF (sublinear tf, features in ≥ ``min_df`` texts, the ``max_features`` most frequent) is reduced to
``dims`` dimensions by a truncated SVD with a fixed seed. The same data gives the same file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from recommend.semantics import SemanticModel, features, model_path, save_model

__all__ = ["DATA", "corpus", "build_model", "digest", "ensure_semantic_model", "main"]

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent.parent / "data"
DIMS = 128
SEED = 20261202


def _csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def corpus(data: Path = DATA) -> list[tuple[str, str]]:
    """(source, text) of every training text, in a fixed order."""
    out: list[tuple[str, str]] = []
    for r in _csv(data / "nsfc" / "nsfc_C_projects.csv"):
        out.append(("nsfc-c", f"{r['title']} {r['keywords'].replace('；', ' ')}"))
    for name in ("nsfc_G_projects_start_le2015.csv", "nsfc_F0208_projects_approved_le2014.csv"):
        out += [("nsfc", r["项目名称"]) for r in _csv(data / "nsfc" / name)]
    seen: set[str] = set()
    with (data / "papers" / "papers.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            seen.add(p["id"])
            kw = " ".join(k for k in p.get("keywords") or [] if isinstance(k, str))
            out.append(("chinaxiv", f"{p['title']} {kw} {(p.get('abstract') or '')[:300]}"))
    for r in _csv(data / "linker" / "chinaxiv_clc.tsv", "\t"):
        if r["id"] not in seen:
            out.append(("chinaxiv", f"{r['title']} {r['keywords'].replace(';', ' ')}"))
    for r in _csv(data / "linker" / "csl_discipline.tsv", "\t"):
        out.append(("csl", f"{r['title']} {r['keywords'].replace(';', ' ')} {r['abstract']}"))
    out += [("patents", r["title"]) for r in _csv(data / "patents" / "patents.csv")]
    out += [("ht2016", r["name"]) for r in _csv(data / "taxonomies" / "hightech-fields-2016" / "hightech_fields_2016.csv")]
    return [(s, t.strip()) for s, t in out if t.strip()]


def _identity(doc: list[str]) -> list[str]:
    return doc


def build_model(texts: Sequence[str], *, tokenize: Callable[[str], list[str]], dims: int = DIMS,
                min_df: int = 3, max_features: int = 60000, seed: int = SEED) -> SemanticModel:
    """TF-IDF + truncated SVD over ``texts`` (deterministic for the same texts and arguments)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [features(tokenize(t), t) for t in texts]
    # float64 throughout: in float32 the decomposition's last vectors moved by up to 1e-3 between BLAS thread counts
    # and CPU kernels (two machines built two different models from the same data); in float64 they agree.
    vec = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=0.5, max_features=max_features,
                          sublinear_tf=True, dtype=np.float64)
    x = vec.fit_transform(docs)
    dims = max(1, min(dims, x.shape[1] - 1, x.shape[0] - 1))
    svd = TruncatedSVD(n_components=dims, algorithm="randomized", n_iter=7, random_state=seed)
    svd.fit(x)
    terms = vec.get_feature_names_out().tolist()
    # term vectors = V Σ: folding a unit tf-idf row in gives U Σ's row; term-term cosines are LSA's
    term_vectors = (svd.components_.T * svd.singular_values_).astype(np.float32)
    meta = {"texts": len(texts), "features": len(terms), "dims": dims, "min_df": min_df, "seed": seed,
            "explained_variance": round(float(svd.explained_variance_ratio_.sum()), 4)}
    return SemanticModel(terms, vec.idf_.astype(np.float32), term_vectors, meta)


def digest(model: SemanticModel) -> str:
    """A short digest of the model's numbers (two builds of the same data print the same)."""
    h = hashlib.sha256()
    h.update("\n".join(model.terms).encode())
    h.update(model.idf.tobytes())
    h.update(np.round(model.term_vectors, 5).tobytes())
    return h.hexdigest()[:16]


def ensure_semantic_model() -> SemanticModel:
    """The model at :func:`recommend.semantics.model_path`, built (full, a few minutes) and saved first when it
    is missing — for the golden snapshot, which must not depend on whether ``make semantics`` ran."""
    from ingest.nlp import content_words
    from recommend.semantics import get_semantic_model

    model = get_semantic_model()
    if model is None:
        log.warning("semantic model %s missing: building it now (make semantics)", model_path())
        rows = corpus()
        model = build_model([t for _, t in rows], tokenize=content_words)
        save_model(model, model_path())
        model = get_semantic_model() or model
    return model


def main(argv: list[str] | None = None) -> int:
    """Build and save the model; print what it was built from."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="default: KGMATCH_SEMANTIC_MODEL or var/models/")
    parser.add_argument("--small", action="store_true", help="the first 400 texts of each source (tests)")
    parser.add_argument("--dims", type=int, default=DIMS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    from ingest.nlp import content_words

    started = time.perf_counter()
    rows = corpus()
    if args.small:
        taken: dict[str, int] = {}
        small = []
        for s, t in rows:
            taken[s] = taken.get(s, 0) + 1
            if taken[s] <= 400:
                small.append((s, t))
        rows = small
    sources: dict[str, int] = {}
    for s, _ in rows:
        sources[s] = sources.get(s, 0) + 1
    model = build_model([t for _, t in rows], tokenize=content_words, dims=args.dims)
    model.meta["sources"] = sources
    out = args.out or model_path()
    save_model(model, out)
    print(f"semantic model: {len(rows)} texts {sources}, {len(model.terms)} features, {model.dims} dims, "
          f"explained variance {model.meta['explained_variance']}, digest {digest(model)}, "
          f"{time.perf_counter() - started:.0f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
