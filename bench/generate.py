"""Seeded synthetic data at 1×, 10×, 100× the demo, in kgmatch's own import formats, for scale benchmarks.

**Everything this writes is synthetic** (``source: synthetic`` on every row, ids prefixed
``gen``) and nothing loads it by itself: ``make demo`` never reads it. It is built from the real
data shipped in ``data/`` so that sizes, skew and text behave like a real office's:

* **projects** (``projects-synthetic.csv``, kind ``project``): each row starts from a real NSFC
  project of ``data/nsfc/`` drawn uniformly, so application codes, institutions, fund types,
  grants, durations and years keep their real joint distribution; the title is recombined from
  two real titles of the same application code (head of one, tail of another, cut at a
  connective such as 的/与/及), the keywords are drawn from that code's real keywords;
* **principal investigators** follow a Yule process per (institution, code prefix) community: a
  project goes to a new PI with probability :data:`NEW_PI` (names from the real PIs' surnames and
  given names, recombined), else to an existing PI of the community in proportion to how many
  projects they already lead — a Zipf-like productivity curve, as in real grant data;
* **papers** (``papers-synthetic.jsonl``, generic graph format): recombined titles of a field,
  2–5 authors drawn from one community (co-author communities), ``AUTHORED`` from each author;
* **enterprises and demands** (``enterprises-synthetic.jsonl``, ``demands-synthetic.jsonl``,
  kinds ``enterprise`` and ``demand``): :func:`ingest.synthetic.generate` in seeded chunks (real
  regions, industries, fields and enterprise wording), ids rewritten to ``demand:gen-…``.

Sizes per ``--scale`` s: 17,400·s projects (10× = one 174k-row file, the size issue 17 failed on),
13,000·s papers, 2,000·s enterprises, 1,000·s demands; PIs come out near 0.79 per project
(≈ 1.37M experts at 100×). Rows are streamed to disk; only the PI communities stay in memory.

Load order (after ``kgmatch load demo`` or at least the taxonomies)::

    kgmatch load OUT/projects-synthetic.csv --kind project
    kgmatch load OUT/papers-synthetic.jsonl
    kgmatch load OUT/enterprises-synthetic.jsonl --kind enterprise
    kgmatch load OUT/demands-synthetic.jsonl --kind demand

Usage: ``python bench/generate.py --scale 10 --out var/gen10 [--seed 20261202]``. The same seed
and scale always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0] and bench/ingest.py would shadow the ingest package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() not in (ROOT, ROOT / "bench")]

__all__ = ["Sizes", "sizes_for", "generate", "main"]

DEFAULT_SEED = 20261202
NEW_PI = 0.79  # share of projects that bring a new PI (issue 17 measured 137k experts for 174k projects)
PROJECTS, PAPERS, ENTERPRISES, DEMANDS = 17_400, 13_000, 2_000, 1_000  # per unit of scale
_CHUNK = 500  # enterprises per ingest.synthetic.generate call
_CUT = re.compile(r"(?<=[的与及和对在])")
NSFC = ROOT / "data" / "nsfc"
HEADER = ["id", "approval_no", "title", "fund_type", "application_code", "pi_name", "institution",
          "funding_wan_yuan", "approval_year", "start_year", "end_year", "keywords", "source"]


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind one run writes."""

    projects: int
    papers: int
    enterprises: int
    demands: int


def sizes_for(scale: float) -> Sizes:
    """Row counts for ``scale`` (1 = the demo's size, 100 = national).

    >>> sizes_for(100)
    Sizes(projects=1740000, papers=1300000, enterprises=200000, demands=100000)
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    return Sizes(max(1, round(PROJECTS * scale)), max(1, round(PAPERS * scale)),
                 max(1, round(ENTERPRISES * scale)), max(1, round(DEMANDS * scale)))


@dataclass(frozen=True)
class _Real:
    """One real project row: what a synthetic row inherits."""

    code: str
    title: str
    fund_type: str
    institution: str
    amount: str
    year: int
    duration: int
    keywords: tuple[str, ...]
    pi: str


def _real_rows() -> list[_Real]:
    rows = []
    for path, default_code in ((NSFC / "nsfc_C_projects.csv", ""), (NSFC / "nsfc_G_projects_start_le2015.csv", "G")):
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if not r.get("title") or not r.get("institution") or not r.get("approval_year"):
                    continue
                year = int(r["approval_year"])
                end = int(r["end_year"]) if (r.get("end_year") or "").isdigit() else year + 4
                keywords = tuple(k.strip() for k in re.split(r"[；;]", r.get("keywords") or "") if k.strip())
                rows.append(_Real(r.get("application_code") or default_code, r["title"], r.get("fund_type") or "",
                                  r["institution"], r.get("funding_wan_yuan") or "", year, max(1, end - year),
                                  keywords, r.get("pi_name") or ""))
    return rows


def _split(title: str) -> tuple[str, str]:
    """A real title cut at its first connective after the first quarter, else at the middle."""
    for m in _CUT.finditer(title):
        if len(title) // 4 <= m.start() < len(title) - 2:
            return title[:m.start()], title[m.start():]
    mid = len(title) // 2
    return title[:mid], title[mid:]


class _Text:
    """Recombined titles and keywords per application code, from the real rows."""

    def __init__(self, rows: Sequence[_Real]) -> None:
        self.by_code: dict[str, list[_Real]] = {}
        for r in rows:
            self.by_code.setdefault(r.code, []).append(r)
        self.keywords = {c: sorted({k for r in rs for k in r.keywords}) for c, rs in self.by_code.items()}

    def title(self, rng: random.Random, real: _Real) -> str:
        pool = self.by_code[real.code]
        other = pool[rng.randrange(len(pool))]
        return _split(real.title)[0] + _split(other.title)[1]

    def words(self, rng: random.Random, real: _Real) -> list[str]:
        pool = self.keywords.get(real.code) or []
        return rng.sample(pool, min(len(pool), rng.randint(3, 5))) if pool else []


class _People:
    """PIs per (institution, code prefix) community, grown by a Yule process (Zipf-like productivity)."""

    def __init__(self, rows: Sequence[_Real]) -> None:
        surnames = Counter(r.pi[0] for r in rows if len(r.pi) >= 2)
        self.surnames, self.surname_weights = list(surnames), list(surnames.values())
        self.given = sorted({r.pi[1:] for r in rows if 2 <= len(r.pi) <= 4})
        self.chars = sorted({c for g in self.given for c in g})
        self.urns: dict[tuple[str, str], list[str]] = {}  # community -> one entry per project led
        self.taken: set[tuple[str, str]] = set()
        self.count = 0

    def _name(self, rng: random.Random) -> str:
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        if rng.random() < 0.5:
            return surname + self.given[rng.randrange(len(self.given))]
        return surname + "".join(rng.choice(self.chars) for _ in range(rng.choice((1, 2, 2))))

    def pi(self, rng: random.Random, institution: str, code: str) -> str:
        """The PI of a new project of ``code`` at ``institution``."""
        urn = self.urns.setdefault((institution, code[:3]), [])
        if urn and rng.random() >= NEW_PI:
            name = urn[rng.randrange(len(urn))]
        else:
            for _ in range(8):
                name = self._name(rng)
                if (institution, name) not in self.taken:
                    break
            if (institution, name) not in self.taken:
                self.taken.add((institution, name))
                self.count += 1
        urn.append(name)
        return name

    def team(self, rng: random.Random, institution: str, code: str) -> list[str]:
        """2–5 co-authors from one community (fewer when it is small)."""
        urn = self.urns.get((institution, code[:3])) or []
        if not urn:
            return []
        return sorted({urn[rng.randrange(len(urn))] for _ in range(rng.randint(2, 5))})


def _expert_id(name: str, institution: str) -> str:
    from ingest.resolve import expert_id, normalize_name, normalize_org
    return expert_id(normalize_name(name), normalize_org(institution))


def _projects(rng: random.Random, n: int, real: Sequence[_Real], text: _Text, people: _People) -> Iterator[list[str]]:
    for k in range(1, n + 1):
        r = real[rng.randrange(len(real))]
        year = r.year + rng.randint(-3, 3)
        pi = people.pi(rng, r.institution, r.code)
        number = f"G{k:09d}"
        yield [f"gen:{number}", number, text.title(rng, r), r.fund_type, r.code, pi, r.institution, r.amount,
               str(year), str(year + 1), str(year + r.duration), "；".join(text.words(rng, r)), "synthetic"]


def _papers(rng: random.Random, n: int, real: Sequence[_Real], text: _Text, people: _People) -> Iterator[dict]:
    for k in range(1, n + 1):
        r = real[rng.randrange(len(real))]
        authors = people.team(rng, r.institution, r.code)
        if not authors:
            continue
        pid = f"paper:gen-{k:08d}"
        yield {"label": "Paper", "id": pid, "title": text.title(rng, r), "year": r.year + rng.randint(0, 5),
               "keywords": text.words(rng, r), "source": "synthetic"}
        for name in authors:
            yield {"type": "AUTHORED", "start_label": "Expert", "start": _expert_id(name, r.institution),
                   "end_label": "Paper", "end": pid}


def _firms(seed: int, n_enterprises: int, n_demands: int) -> Iterator[tuple[list[dict], list[dict]]]:
    """Enterprises and demands from :func:`ingest.synthetic.generate`, chunk by chunk, ids unique."""
    from ingest.synthetic import generate as synth
    seen: set[str] = set()
    made_e = made_d = chunk = 0
    while made_e < n_enterprises:
        size = min(_CHUNK, n_enterprises - made_e)
        rows = synth(seed=seed + chunk, n_enterprises=size, n_demands=size)
        firms = [e for e in rows["enterprise"] if e["id"] not in seen][: n_enterprises - made_e]
        seen.update(e["id"] for e in firms)
        mine = {e["id"] for e in firms}
        want = max(0, min(n_demands - made_d, round((made_e + len(firms)) * n_demands / n_enterprises) - made_d))
        demands = [{**d, "id": f"demand:gen-{chunk:05d}-{i:04d}"}
                   for i, d in enumerate(d for d in rows["demand"] if d["enterprise"] in mine)][:want]
        made_e += len(firms)
        made_d += len(demands)
        chunk += 1
        yield firms, demands


def _jsonl(path: Path, rows: Iterator[dict]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def generate(out: Path, *, scale: float, seed: int = DEFAULT_SEED) -> dict:
    """Write the four files and ``MANIFEST.json`` into ``out``; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = sizes_for(scale)
    real = _real_rows()
    text, people = _Text(real), _People(real)
    rng = random.Random(seed)
    with (out / "projects-synthetic.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for row in _projects(rng, sizes.projects, real, text, people):
            writer.writerow(row)
    paper_rows = _jsonl(out / "papers-synthetic.jsonl", _papers(random.Random(seed + 1), sizes.papers, real, text, people))
    n_e = n_d = 0
    with (out / "enterprises-synthetic.jsonl").open("w", encoding="utf-8") as fe, \
            (out / "demands-synthetic.jsonl").open("w", encoding="utf-8") as fd:
        for firms, demands in _firms(seed, sizes.enterprises, sizes.demands):
            fe.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in firms)
            fd.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in demands)
            n_e, n_d = n_e + len(firms), n_d + len(demands)
    manifest = {"synthetic": True, "generator": "bench/generate.py", "seed": seed, "scale": scale,
                "projects": sizes.projects, "experts": people.count, "paper_file_rows": paper_rows,
                "enterprises": n_e, "demands": n_d,
                "load_order": [["projects-synthetic.csv", "project"], ["papers-synthetic.jsonl", "graph"],
                               ["enterprises-synthetic.jsonl", "enterprise"], ["demands-synthetic.jsonl", "demand"]]}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--scale``, ``--out``, ``--seed``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = demo size, 10, 100 = national")
    parser.add_argument("--out", type=Path, required=True, help="output directory (e.g. var/gen10)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.out, scale=args.scale, seed=args.seed), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
