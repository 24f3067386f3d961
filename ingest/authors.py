"""Paper author lines and affiliation text → (person name, institution) pairs.

The ChinaXiv header text (``data/papers/``) prints authors as ``王娅1,³,周立华1,2,*，陈 东勇¹`` or run
together (``王颖张智雄 孙辉雷枫``), and affiliations numbered, bracketed, glued to postcodes
(``北京1000492中国科学院…``) or glued to the last author (``…，陈盼南方医科大学珠江医院核医学科``).

Approach (documented here because it is the contract the tests score):

1. **Tokens.** The author line is NFKC-normalised (¹ → 1, （ → (), LaTeX superscripts ``$^{1,2}$``
   become markers, and the OCR'd superscript one (``」 ’ ' ‘ }`` and ``l`` after a name) reads as 1.
   The line splits into *groups*: runs of Han characters (spaces inside kept as soft
   positions), each ended by a marker run (digits/letters: ``2.3`` → {2, 3}; ``12`` → {1, 2}) or a
   hard separator (， ; 、 brackets). Latin words are skipped (pinyin lines are out of scope).
2. **Glued affiliation.** A group that holds an institution word (大学, 研究所, 医院, …) is cut at
   the first place (index ≥ 2) where a known institution or place starts (the shipped
   universities list, 中国/国家/解放军, a province or city of GB/T 2260): the head is names, the rest
   (and everything after it) is affiliation text. A group that starts with one is affiliation.
3. **Names.** Each group is split into names by dynamic programming over a generative name model
   learnt from the NSFC PI names shipped in ``data/nsfc/`` (~17k real names): P(length 2|3|4) ×
   P(surname) × Π P(given-name character), compound surnames (欧阳 …) as one surname; 4-character
   names only with a compound surname. Soft spaces bias the split: a name boundary away from a
   space costs, a space inside a name costs little right after the surname (``夏 冰``, ``陈 东勇``)
   and much elsewhere. A group whose best split is unlike names (per character, against a
   background of NSFC title characters) is rejected: title fragments (``种群结构与分布格局研究``) and
   section headings land in the author line in ~5 % of papers. Markers belong to the last name of
   their group (``侯文霞田欣然刘立志易冰’``: only 易冰 carries 1).
4. **Affiliations.** Postcodes are cut (keeping a glued marker: ``1000492`` → 100049 + 2); the text
   splits into *units* at unit markers (``1.``, ``(2``, ``a.``, a number at a line start) and at
   ``;``, ``)(``, line starts with a bracket. Units without a marker are numbered after their
   predecessor. Each unit's parts (split at ``,`` ``/`` spaces) are normalised by
   :func:`normalize_institution` and the strongest part is the unit's institution (a university
   or academy name beats a hospital/institute/company, which beats a lab or centre).
5. **Pairs.** An author with markers gets the units with those markers; an author without: every
   unit when no unit or author is numbered, the one institution when all units agree, else none
   (the text does not say, and a wrong pair would merge the wrong people later).

:func:`normalize_institution` maps a unit to the independent institution: a university (its
学院/系/实验室 dropped, campus kept), a hospital (departments dropped), a CAS or other academy's
institute, a company; a leading province before a city (广东省佛山市第一人民医院) is dropped.

The labelled sample in ``data/papers/author_pairs_labelled.jsonl`` and ``bench/author_pairs.py``
measure this module (precision/recall of pairs on the held-out part).
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.resolve import DATA_ROOT, UNIVERSITIES_FILE, normalize_name, normalize_org

__all__ = [
    "AuthorToken",
    "ParsedPaperAuthors",
    "split_author_line",
    "affiliation_units",
    "normalize_institution",
    "parse_paper_authors",
]

_HAN = "\u3400-\u9fff\uf900-\ufaff"
_IS_HAN = re.compile(f"[{_HAN}]")
_ONE_GLYPHS = "」’'‘}′｝]"
_STAR = "*\\†‡#~+^▲△☆★-"
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容", "东方", "皇甫", "尉迟", "公孙", "令狐", "司徒", "夏侯",
                      "闻人", "长孙", "宇文", "端木", "独孤", "南宫", "西门", "申屠", "澹台", "呼延", "轩辕")
_INSTITUTION_WORDS = re.compile(
    "大学|学院|研究所|研究院|研究中心|科学院|医院|公司|实验室|中心|天文台|植物园|学校|图书馆|研究站|集团|管理局|委员会|"
    "工作站|推广站|试验站|实验站")
_STRONG_SUFFIX = re.compile("大学|学院|研究所|研究院|医院|公司|天文台|植物园|图书馆|中学|(?<!高等)学校|设计院|科学院")
_WEAK_SUFFIX = re.compile("重点实验室|实验室|研究中心|中心|观测站|实验站|工作站|推广站|站|办公室|队|平台")
_ACADEMY = re.compile(r"^(.{2,12}?(?:科学院|科学研究院))")
_ACADEMY_SUB = re.compile("研究所|研究院|研究中心|中心|天文台|植物园|分院|分所|研究站|站|医院|大学")
_DEPARTMENT_TAIL = re.compile("学院|系|科|部|室|组|所$")
_HOSPITAL_AFTER_UNI = re.compile(r"^(?:医学院)?(?:附属)?[^学院系所,;]{0,10}?医院")
_EXTEND_AFTER = re.compile(r"^[^\d,;学系科部室组]{0,10}?(?:分院|分所|分公司|供电公司|研究院)")
_ACADEMY_PREFIXES = ("中国科学院", "中国医学科学院", "中国农业科学院", "中国林业科学研究院")
_LATIN_INST = re.compile(r"(University|Institute|Academy|College|Hospital|Universit[eéà]|School)", re.I)


@lru_cache(maxsize=1)
def _universities() -> frozenset[str]:
    data = json.loads(UNIVERSITIES_FILE.read_text(encoding="utf-8"))
    return frozenset(normalize_org(n) for group in data.values() for n in group.get("all", []))


@lru_cache(maxsize=1)
def _places() -> tuple[frozenset[str], frozenset[str]]:
    """(province names full and short, city names full and short) of GB/T 2260."""
    path = DATA_ROOT / "taxonomies" / "gbt2260-regions" / "pca-code.json"
    provinces: set[str] = set()
    cities: set[str] = set()
    for prov in json.loads(path.read_text(encoding="utf-8")):
        name = prov["name"]
        provinces.add(name)
        provinces.add(re.sub("(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|省|市)$", "", name))
        for city in prov.get("children", []):
            cname = city["name"]
            if cname in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            cities.add(cname)
            short = re.sub("(市|地区|盟)$", "", cname)
            if len(short) >= 2:
                cities.add(short)
    return frozenset(p for p in provinces if len(p) >= 2), frozenset(cities)


@dataclass(frozen=True)
class _NameModel:
    surname: dict[str, float]
    given: dict[str, float]
    given_floor: float
    surname_floor: float
    background: dict[str, float]
    background_floor: float
    length: dict[int, float]


@lru_cache(maxsize=1)
def _name_model() -> _NameModel:
    """The name model, learnt from the NSFC PI names and titles shipped in ``data/nsfc/``."""
    names: list[str] = []
    titles: list[str] = []
    for path, name_col, title_col in ((DATA_ROOT / "nsfc" / "nsfc_C_projects.csv", "pi_name", "title"),
                                      (DATA_ROOT / "nsfc" / "nsfc_G_projects_start_le2015.csv", "负责人", "项目名称")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = normalize_name(row.get(name_col) or "")
                if 2 <= len(name) <= 4 and all(_IS_HAN.match(c) for c in name):
                    names.append(name)
                titles.append(row.get(title_col) or "")
    surnames: Counter[str] = Counter()
    given: Counter[str] = Counter()
    lengths: Counter[int] = Counter()
    for name in set(names):
        cut = 2 if name[:2] in _COMPOUND_SURNAMES else 1
        surnames[name[:cut]] += 1
        given.update(name[cut:])
        lengths[len(name) - cut + 1] += 1
    background: Counter[str] = Counter(c for t in titles for c in t if _IS_HAN.match(c))
    n_s, n_g, n_b, n_l = sum(surnames.values()), sum(given.values()), sum(background.values()), sum(lengths.values())
    return _NameModel(
        surname={k: math.log(v / n_s) for k, v in surnames.items()},
        given={k: math.log((v + 0.5) / (n_g + 2500)) for k, v in given.items()},
        given_floor=math.log(0.5 / (n_g + 2500)),
        surname_floor=math.log(0.2 / n_s),
        background={k: math.log((v + 0.5) / (n_b + 2500)) for k, v in background.items()},
        background_floor=math.log(0.5 / (n_b + 2500)),
        length={k: math.log(v / n_l) for k, v in lengths.items() if k in (2, 3)},
    )


@lru_cache(maxsize=65536)
def _name_logp(name: str) -> float | None:
    """log P(name) under the model, or ``None`` when it cannot be a name (length)."""
    model = _name_model()
    cut = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    size = len(name) - cut + 1  # characters counting a compound surname as one
    if size not in model.length or (len(name) == 4 and cut == 1):
        return None
    score = model.length[size] + model.surname.get(name[:cut], model.surname_floor)
    return score + sum(model.given.get(c, model.given_floor) for c in name[cut:])


def _background_logp(text: str) -> float:
    model = _name_model()
    return sum(model.background.get(c, model.background_floor) for c in text)


_SPACE_SPLIT_COST = math.log(0.1)   # a name boundary where the line has no space, in a spaced group
_SPACE_AFTER_SURNAME = math.log(0.5)  # 夏 冰, 陈 东勇
_SPACE_INSIDE = math.log(0.001)
_MIN_LR_PER_CHAR = 0.3                # log-likelihood ratio names vs background, per character
_MIN_LR_ONE_NAME = -1.0               # the same for a group that is one short name (rare surnames: 巢昆)


def _split_names(text: str, spaces: frozenset[int]) -> list[str] | None:
    """The most likely split of a Han run into names, or ``None`` when it does not look like names."""
    n = len(text)
    if n < 2:
        return None
    best: list[tuple[float, int] | None] = [None] * (n + 1)
    best[0] = (0.0, 0)
    for j in range(2, n + 1):
        for size in (2, 3, 4):
            i = j - size
            if i < 0 or best[i] is None:
                continue
            logp = _name_logp(text[i:j])
            if logp is None:
                continue
            for k in range(i + 1, j):
                if k in spaces:
                    logp += _SPACE_AFTER_SURNAME if (k == i + 1 or (k == i + 2 and text[i:i + 2] in _COMPOUND_SURNAMES)) \
                        else _SPACE_INSIDE
            if spaces and i > 0 and i not in spaces:
                logp += _SPACE_SPLIT_COST
            score = best[i][0] + logp  # type: ignore[index]
            if best[j] is None or score > best[j][0]:  # type: ignore[index]
                best[j] = (score, i)
    if best[n] is None:
        return None
    names: list[str] = []
    j = n
    while j > 0:
        i = best[j][1]  # type: ignore[index]
        names.append(text[i:j])
        j = i
    names.reverse()
    threshold = _MIN_LR_ONE_NAME if len(names) == 1 and not spaces else _MIN_LR_PER_CHAR
    if (best[n][0] - _background_logp(text)) / n < threshold:  # type: ignore[index]
        return None
    provinces, cities = _places()
    if len(names) == 1 and (text in provinces or text in cities):
        return None
    return names


@dataclass(frozen=True)
class AuthorToken:
    """One author as printed: the name and the affiliation markers after it."""

    name: str
    markers: frozenset[str] = frozenset()


@dataclass
class _Group:
    text: str = ""
    spaces: set[int] = field(default_factory=set)
    markers: set[str] = field(default_factory=set)
    start: int = 0
    middot: bool = False
    offsets: list[int] = field(default_factory=list)  # where each character of ``text`` is in the line


def _latex_to_markers(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        inner = re.sub(r"\\mathrm|[{}\s^]", "", match[1])
        inner = re.sub(r"[^0-9a-h,*]", "", inner)
        return f"\x01{inner}\x02"
    return re.sub(r"\$([^$]*)\$", repl, text)


def _marker_values(run: str) -> set[str]:
    values: set[str] = set()
    for piece in re.findall(r"\d+|[a-h]", run):
        if piece.isdigit():
            values.update(piece if len(piece) > 1 else [piece])
        else:
            values.add(piece)
    values.discard("0")
    return values


def _institution_start(text: str, start: int, *, places: bool = True) -> bool:
    """Whether a known institution (or, with ``places``, a place name) starts at ``text[start:]``."""
    rest = text[start:]
    if rest.startswith(("中国", "国家", "解放军", "中电", "国网")):
        return True
    universities = _universities()
    if any(rest[:k] in universities for k in range(min(len(rest), 16), 3, -1)):
        return True
    if not places:
        return False
    provinces, cities = _places()
    return any(rest[:k] in provinces or rest[:k] in cities for k in range(min(len(rest), 8), 1, -1))


def _glued_cut(text: str) -> int | None:
    """Where affiliation text starts inside a Han group (0: it is all affiliation), or ``None``."""
    if not _INSTITUTION_WORDS.search(text):
        return None
    if _institution_start(text, 0):
        return 0
    places = [i for i in range(2, len(text) - 1) if _institution_start(text, i)]
    strong = [i for i in places if _institution_start(text, i, places=False)]
    return (strong or places or [0])[0]


def _groups(line: str) -> tuple[list[_Group], int | None]:
    """Han groups of an author line with their markers; and where affiliation text starts, if inside."""
    text = _latex_to_markers(unicodedata.normalize("NFKC", line))
    groups: list[_Group] = []
    current = _Group()
    i = 0
    n = len(text)

    def close() -> None:
        nonlocal current
        if current.text:
            groups.append(current)
        current = _Group(start=i)

    while i < n:
        ch = text[i]
        if _IS_HAN.match(ch) or (ch == "·" and current.text):
            if not current.text:
                current.start = i
            if ch == "·":
                current.middot = True
            current.offsets.append(i)
            current.text += ch
            i += 1
            continue
        if ch == "\x01":  # LaTeX marker group
            end = text.find("\x02", i)
            current.markers |= _marker_values(text[i + 1:end])
            close()
            i = end + 1
            continue
        if ch in " \u3000\t" and current.text:
            j = i
            while j < n and text[j] in " \u3000\t":
                j += 1
            if j < n and _IS_HAN.match(text[j]):
                current.spaces.add(len(current.text))
            i = j
            continue
        latin = re.match(r"[A-Za-z]+", text[i:])
        if latin and current.text and len(latin[0]) == 1 and latin[0] in "abcdefghl" and \
                (i + 1 >= n or not text[i + 1].isalpha() or _IS_HAN.match(text[i + 1])):
            current.markers.add("1" if latin[0] == "l" else latin[0])
            i += 1
            close()
            continue
        if ch.isdigit() or ch in _ONE_GLYPHS or ch in _STAR or ch == '"':
            j = i
            run = ""
            while j < n and (text[j].isdigit() or text[j] in _ONE_GLYPHS or text[j] in _STAR or text[j] in '".,'
                             or (text[j] in "abcdefgh" and j + 1 < n and not text[j + 1].isalpha())):
                run += "1" if text[j] in _ONE_GLYPHS else text[j]
                j += 1
            values = _marker_values(run)
            if not current.text and groups and groups[-1].start + len(groups[-1].text) >= i - 2:
                groups[-1].markers |= values  # 姚娜,² : the marker after the separator
            current.markers |= values
            i = j
            close()
            continue
        if latin:
            i += len(latin[0])
            close()
            continue
        i += 1
        close()
    close()
    for k, group in enumerate(groups):
        cut = _glued_cut(group.text)
        if cut is None:
            continue
        if cut == 0:
            return groups[:k], group.start
        head = _Group(text=group.text[:cut], spaces={s for s in group.spaces if s < cut},
                      markers=set(), start=group.start)
        return groups[:k] + [head], group.offsets[cut]
    return groups, None


def split_author_line(line: str) -> tuple[list[AuthorToken], int | None]:
    """The authors of a printed author line, in order, and where glued affiliation text starts.

    >>> [a.name for a in split_author_line("王颖张智雄 孙辉雷枫")[0]]
    ['王颖', '张智雄', '孙辉', '雷枫']
    >>> [(a.name, sorted(a.markers)) for a in split_author_line("王珊珊1.2.3 高海娜2.3")[0]]
    [('王珊珊', ['1', '2', '3']), ('高海娜', ['2', '3'])]
    """
    groups, aff_start = _groups(line)
    authors: list[AuthorToken] = []
    for group in groups:
        if group.middot:
            if 3 <= len(group.text) <= 20:
                authors.append(AuthorToken(group.text, frozenset(group.markers)))
            continue
        names = _split_names(group.text, frozenset(group.spaces))
        if names is None and group.spaces:  # a title fragment glued before names: try the spaced pieces
            names = []
            cuts = [0, *sorted(group.spaces), len(group.text)]
            for a, b in zip(cuts, cuts[1:], strict=False):
                names += _split_names(group.text[a:b], frozenset()) or []
        if not names:
            continue
        for name in names[:-1]:
            authors.append(AuthorToken(name))
        authors.append(AuthorToken(names[-1], frozenset(group.markers)))
    return authors, aff_start


# -- affiliations -----------------------------------------------------------------------------

def _strip_place_prefix(text: str) -> str:
    provinces, cities = _places()
    for k in range(min(len(text), 8), 1, -1):
        if text[:k] in provinces:
            rest = text[k:]
            if rest.startswith(("中国", "解放军", "国家")) or any(
                    rest[:m] in cities and rest[:m].endswith(("市", "州", "盟")) for m in range(2, min(len(rest), 8) + 1)):
                return rest
            break
    return text


def normalize_institution(part: str) -> tuple[str, int] | None:
    """The independent institution a unit text names and its strength (3 university/academy,
    2 institute/hospital/company, 1 lab/centre), or ``None``.

    >>> normalize_institution("内蒙古农业大学动物科学学院")
    ('内蒙古农业大学', 3)
    >>> normalize_institution("中国科学院寒区旱区环境与工程研究所沙漠与沙漠化重点实验室")
    ('中国科学院寒区旱区环境与工程研究所', 3)
    >>> normalize_institution("广东省佛山市第一人民医院麻醉科")
    ('佛山市第一人民医院', 2)
    """
    text = re.sub(r"\s+", "", part)
    text = re.sub(rf"(?<=[{_HAN}])\(([{_HAN}]{{2,3}})\)(?=[{_HAN}]|$)", r"（\1）", text)
    text = re.split(r"\d", text, maxsplit=1)[0].strip("()（）.、:：*'\"")
    if len(text) < 3:
        return None
    if not _IS_HAN.search(text):
        match = _LATIN_INST.search(part)
        if not match:
            return None
        return re.sub(r"\s+", " ", part).strip(" .,;()"), 2
    text = _strip_place_prefix(text)
    if not _INSTITUTION_WORDS.match(text) and not _institution_start(text, 0):
        # names glued before the institution ("凯杨芳颖黄勇平中国科学院…"): drop them
        junk = next((i for i in range(1, min(len(text) - 3, 9)) if text.startswith(_ACADEMY_PREFIXES, i)
                     or any(text[i:i + k] in _universities() for k in range(4, min(len(text) - i, 16) + 1))), None)
        if junk is not None and not _INSTITUTION_WORDS.search(text[:junk]):
            text = text[junk:]
    universities = _universities()
    for k in range(min(len(text), 20), 3, -1):
        if text[:k] in universities:
            rest = text[k:]
            hospital = _HOSPITAL_AFTER_UNI.match(rest)
            if hospital:
                return normalize_org(text[:k] + hospital[0]), 2
            return normalize_org(text[:k]), 3
    academy = _ACADEMY.match(text)
    if academy:
        rest = text[academy.end():]
        rest = re.sub(r"^.{0,20}?重点实验室(?=.{2,}?(?:研究所|研究院|研究中心|中心))", "", rest)
        sub = _ACADEMY_SUB.search(rest)
        if sub:
            end = sub.end()
            more = _EXTEND_AFTER.match(rest[end:])
            if more and not _DEPARTMENT_TAIL.search(more[0][:-2]):
                end += more.end()
            return normalize_org(academy[1] + rest[:end]), 3
        if "实验室" in rest:
            return normalize_org(academy[1] + rest[: rest.index("实验室") + 3]), 1
        return normalize_org(academy[1]), 3
    strong = _STRONG_SUFFIX.search(text)
    if strong:
        end = strong.end()
        more = _EXTEND_AFTER.match(text[end:])
        if more:
            end += more.end()
        return normalize_org(text[:end]), 2
    weak = _WEAK_SUFFIX.search(text)
    if weak:
        return normalize_org(text[:weak.end()]), 1
    return None


_UNIT_MARKER = re.compile(r"^\s*(\d{1,2}|[a-h])\s*[.、,:)]?\s*(?=[(\u3400-\u9fffA-Z])")


@dataclass(frozen=True)
class _Unit:
    marker: str | None
    institution: str
    strength: int


def _unit_institution(text: str) -> tuple[str, int] | None:
    parts = [p for p in re.split(r"[,;/]|\s{1,}(?=[\u3400-\u9fff])|(?<=[\u3400-\u9fff])\s+", text) if p.strip()]
    merged: list[str] = []
    for p in parts:
        if merged and re.fullmatch(r"中国科学院|中国医学科学院|中国农业科学院", merged[-1].strip()):
            merged[-1] += p
        else:
            merged.append(p)
    found = [r for r in (normalize_institution(p) for p in merged) if r is not None]
    if not found:
        return None
    return max(found, key=lambda r: r[1])  # max keeps the first of equal strength


def affiliation_units(text: str) -> list[tuple[str | None, str]]:
    """The numbered (marker, institution) units of an affiliation text, in order.

    >>> affiliation_units("（1.中国科学院遥感研究所，北京100190;2.中国科学院大学，北京100049)")
    [('1', '中国科学院遥感研究所'), ('2', '中国科学院大学')]
    """
    return [(u.marker, u.institution) for u in _units(text)]


def _units(text: str, *, number_all: bool = False) -> list[_Unit]:
    text = _latex_to_markers(unicodedata.normalize("NFKC", text)).replace("\x01", "").replace("\x02", "")
    for glyph in _ONE_GLYPHS:
        text = text.replace(glyph, "1" if glyph in "」}" else " ")
    text = re.sub(r"[\\*]", "", text)
    text = re.sub(rf"(?<![{_HAN}])([{_HAN}]) (?=[{_HAN}])|(?<=[{_HAN}]) ([{_HAN}])(?![{_HAN}])",
                  lambda m: m[1] or m[2], text)
    text = re.sub(rf"(?<=[{_HAN}])\(([{_HAN}]{{2,3}})\)(?=[{_HAN}])", r"（\1）", text)
    text = re.sub(r"(?<!\d)(\d{6})(\d{0,2})(?!\d)", lambda m: ";" + (m[2] or ""), text)
    # a letter-numbered list under one institution: 贵州大学 a.大数据学院;b.档案馆
    lettered = re.match(rf"^[\s(]*([{_HAN}]{{3,30}}?)\s*a\s*[.、]", text)
    if lettered:
        prefix = normalize_institution(lettered[1])
        if prefix:
            letters = re.findall(r"(?:^|[;,\s(])([a-h])\s*[.、]", text[lettered.end() - 2:])
            return [_Unit(m, prefix[0], prefix[1]) for m in dict.fromkeys(["a", *letters])]
    text = re.sub(r"\n(?!\s*(?:\d|[(]|[a-h][.(]))", "", text)
    pieces = re.split(r"(?=[(\n;])|(?<=\))", text)
    units: list[_Unit] = []
    carried: str | None = None
    for piece in pieces:
        body = piece.strip().lstrip("(;\n").strip()
        if not body:
            continue
        lone = re.fullmatch(r"(\d{1,2}|[a-h])\s*[.、,:)]?", body)
        if lone:  # ")2(当代中国研究所": the marker sits before the bracket
            carried = lone[1]
            continue
        marker, carried = carried, None
        found = _UNIT_MARKER.match(body)
        if found:
            marker = found[1]
            body = body[found.end():]
        body = body.lstrip("(").rstrip(")")
        inst = _unit_institution(body)
        if inst is None:
            continue
        units.append(_Unit(marker, inst[0], inst[1]))
    if any(u.marker for u in units) or (number_all and len(units) > 1):  # number the rest after their predecessor
        numbered: list[_Unit] = []
        prev = 0
        for u in units:
            if u.marker is None:
                numbered.append(_Unit(str(prev + 1), u.institution, u.strength))
                prev += 1
            else:
                numbered.append(u)
                prev = int(u.marker) if u.marker.isdigit() else prev
        units = numbered
    return units


@dataclass(frozen=True)
class ParsedPaperAuthors:
    """One paper's authors (in order) and their (name, institution) pairs."""

    authors: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    institutions: tuple[str, ...]

    def institutions_of(self, name: str) -> list[str]:
        """The institutions paired with one author name."""
        return [inst for n, inst in self.pairs if n == name]


def _strip_leading_names(text: str, names: list[str]) -> str:
    """The affiliation text without author names glued in front (the markers after them kept)."""
    original = text.lstrip(" (")
    stripped = original
    skip = set(" \u3000\t\n\r*\\,，" + _ONE_GLYPHS)
    changed = True
    while changed:
        changed = False
        for name in names:
            i = 0
            for ch in name:  # the name, spaces allowed between its characters
                while i < len(stripped) and stripped[i].isspace():
                    i += 1
                if i >= len(stripped) or stripped[i] != ch:
                    break
                i += 1
            else:
                while i < len(stripped) and stripped[i] in skip:
                    i += 1
                if i < len(stripped):
                    stripped = stripped[i:]
                    changed = True
    return stripped if stripped != original else text


def parse_paper_authors(authors: str, affiliations: str) -> ParsedPaperAuthors:
    """The authors of one paper and their (name, institution) pairs, from the printed header text.

    >>> p = parse_paper_authors("王娅1,3,周立华1,2", "1中国科学院寒区旱区环境与工程研究所，兰州730000\\n2中国科学院科技战略咨询研究院，北京100190")
    >>> p.pairs[:2]
    (('王娅', '中国科学院寒区旱区环境与工程研究所'), ('周立华', '中国科学院寒区旱区环境与工程研究所'))
    """
    tokens, aff_start = split_author_line(authors or "")
    aff_text = affiliations or ""
    if not tokens and aff_text:  # the header was mis-split: the names open the affiliation field
        head = re.split(r"[(\n]", aff_text, maxsplit=1)[0]
        tokens, cut = split_author_line(head)
        if tokens:
            aff_text = head[cut:] + aff_text[len(head):] if cut is not None else aff_text[len(head):]
    elif aff_start is not None:
        tail = _latex_to_markers(unicodedata.normalize("NFKC", authors))[aff_start:]
        probe = re.sub(r"\s", "", tail)[:6]
        if probe and probe not in re.sub(r"\s", "", unicodedata.normalize("NFKC", aff_text)):
            aff_text = tail + "\n" + aff_text
    aff_text = _strip_leading_names(aff_text, [t.name for t in tokens])
    any_author_marked = any(t.markers for t in tokens)
    units = _units(aff_text, number_all=any_author_marked)
    institutions = list(dict.fromkeys(u.institution for u in units))
    all_numbered = any(u.marker for u in units)
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        if len(institutions) == 1:
            chosen = institutions
        elif token.markers and all_numbered:
            chosen = [u.institution for u in units if u.marker in token.markers]
        elif not all_numbered and not any_author_marked:
            chosen = institutions
        else:
            chosen = []
        for inst in dict.fromkeys(chosen):
            pairs.append((token.name, inst))
    names = tuple(dict.fromkeys(t.name for t in tokens))
    return ParsedPaperAuthors(names, tuple(dict.fromkeys(pairs)), tuple(institutions))
