"""The Chinese NLP pipeline: one spaCy ``zh`` pipeline per segmenter, built once.

:func:`get_nlp` builds a blank spaCy Chinese pipeline from :data:`PIPELINE_CONFIG`,
which names the segmenter, and caches it: every later call with the same arguments
returns the same object. Two segmenters work offline:

* ``jieba`` (the default, chosen by ``bench/nlp_eval.py``): jieba ships its dictionary.
  The domain dictionary is loaded into a private :class:`jieba.Tokenizer`, so the
  process-wide ``jieba`` state is left alone.
* ``pkuseg``: spaCy's ``spacy-pkuseg`` segmenter loads the ``default`` model that the
  original ``pkuseg==0.0.25`` package ships inside its source distribution, **by path**
  (:func:`pkuseg_model_dir`); a path is never looked up in spacy-pkuseg's download table,
  so nothing is downloaded. The domain dictionary is pkuseg's ``user_dict``.

Both get the domain user dictionary ``data/nlp/user_dict.txt`` (taxonomy names and NSFC
project keywords, built by :mod:`ingest.nlp_build`), the generic words of
``data/nlp/stop_words.txt`` marked as stop words on top of spaCy's Chinese list, and the
``kgmatch_domain_terms`` component, which puts every run of tokens that spells a
dictionary term into ``doc.spans["domain_terms"]``.

Nothing here downloads at run time. A missing optional package raises
:class:`NlpDependencyError` with the ``pip install`` command that fixes it.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import importlib.util
import io
import json
import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import KgmatchError

if TYPE_CHECKING:  # spaCy is imported lazily so that a missing install gives the hint below
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "content_words",
    "content_words_doc",
    "Segmenter",
    "DEFAULT_SEGMENTER",
    "NLP_DATA_DIR",
    "USER_DICT_PATH",
    "STOP_WORDS_PATH",
    "TAXONOMY_NAMES_PATH",
    "STATS_FORMAT",
    "DOMAIN_TERMS_SPAN_KEY",
    "MAX_TERM_TOKENS",
    "PIPELINE_CONFIG",
    "INSTALL_HINTS",
    "NlpDependencyError",
    "require_package",
    "get_nlp",
    "pkuseg_model_dir",
    "read_word_list",
    "load_user_dict",
    "load_stop_words",
    "stats_path",
    "load_stats",
    "load_taxonomy_names",
    "GENERIC_SUFFIXES",
    "TERM_CHARS_RE",
    "name_terms",
    "is_content_token",
    "doc_terms",
    "segment",
]

logger = logging.getLogger(__name__)


class Segmenter(StrEnum):
    """The word segmenters the pipeline can be built with."""

    JIEBA = "jieba"
    PKUSEG = "pkuseg"


DEFAULT_SEGMENTER = Segmenter.JIEBA
"""Chosen by measurement (``python -m bench.nlp_eval``, seeds 13, 7, 42): field-linking accuracy is a
tie within noise (title + keywords acc@1 0.618 vs 0.613, title only 0.408 vs 0.398, jieba vs pkuseg),
keyword F1@5 on the CSL dev keywords is 0.223 vs 0.216, and jieba segments ~5.5x faster
(~420k vs ~75k chars/s) in ~270 MB instead of ~900 MB; pkuseg also needs a source build."""

NLP_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nlp"
USER_DICT_PATH = NLP_DATA_DIR / "user_dict.txt"
STOP_WORDS_PATH = NLP_DATA_DIR / "stop_words.txt"
TAXONOMY_NAMES_PATH = NLP_DATA_DIR / "taxonomy_names.json"
STATS_FORMAT = 1
"""Bumped whenever the layout of ``stats-*.json.gz`` changes."""
DOMAIN_TERMS_SPAN_KEY = "domain_terms"
MAX_TERM_TOKENS = 6
"""The longest run of tokens the term matcher joins when it looks for a dictionary term."""

PIPELINE_CONFIG = """
[nlp]
lang = "zh"
pipeline = ["kgmatch_domain_terms"]

[nlp.tokenizer]
@tokenizers = "spacy.zh.ChineseTokenizer"
segmenter = "jieba"

[components]

[components.kgmatch_domain_terms]
factory = "kgmatch_domain_terms"
terms_path = null
max_tokens = 6

[initialize]

[initialize.tokenizer]
pkuseg_model = null
pkuseg_user_dict = "default"
"""
"""The pipeline, in spaCy's config format; :func:`get_nlp` fills in the segmenter and the paths."""

INSTALL_HINTS: dict[str, str] = {
    "spacy": "pip install spacy==3.8.18",
    "jieba": "pip install jieba==0.42.1",
    "spacy_pkuseg": "pip install spacy-pkuseg==1.0.2",
    "pkuseg": (
        "pip install numpy==2.4.6 cython==3.3.1 wheel==0.48.0 setuptools==65.5.0 && "
        "pip install --no-build-isolation pkuseg==0.0.25  (its source package ships the 'default' model)"
    ),
}
"""How to install each optional package (versions as pinned for this project)."""


class NlpDependencyError(KgmatchError, ImportError):
    """An optional NLP package is missing; the message says how to install it."""

    status = 500


def require_package(module: str, *, purpose: str) -> Any:
    """Import ``module`` or raise :class:`NlpDependencyError` with its install hint."""
    try:
        with warnings.catch_warnings():
            # jieba 0.42.1 tries `import pkg_resources`, which newer setuptools deprecate at import.
            warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated", category=UserWarning)
            warnings.filterwarnings("ignore", message=r".*pkg_resources.*", category=DeprecationWarning)
            return importlib.import_module(module)
    except ImportError as err:
        package = module.split(".")[0]
        hint = INSTALL_HINTS.get(package, f"pip install {package}")
        raise NlpDependencyError(f"{purpose} needs the Python package '{package}', which is not installed. "
                                 f"Install it with: {hint}") from err


def pkuseg_model_dir() -> Path:
    """The ``default`` pkuseg model shipped inside the installed ``pkuseg`` package (found without importing it).

    Raises
    ------
    NlpDependencyError
        When ``pkuseg`` is not installed or its model files are missing.
    """
    spec = importlib.util.find_spec("pkuseg")
    if spec is None or not spec.origin:
        raise NlpDependencyError("The pkuseg segmenter needs the 'default' model shipped with pkuseg==0.0.25, "
                                 f"which is not installed. Install it with: {INSTALL_HINTS['pkuseg']}")
    model_dir = Path(spec.origin).parent / "models" / "default"
    missing = [name for name in ("features.pkl", "weights.npz") if not (model_dir / name).is_file()]
    if missing:
        raise NlpDependencyError(f"pkuseg model files {missing} not found in {model_dir}. "
                                 f"Reinstall with: {INSTALL_HINTS['pkuseg']}")
    return model_dir


def read_word_list(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 word list (one word per line, ``#`` starts a comment line)."""
    words = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            word = line.strip()
            if word and not word.startswith("#"):
                words.append(word)
    return words


@cache
def load_user_dict(path: Path = USER_DICT_PATH) -> frozenset[str]:
    """The domain dictionary terms (cached per path)."""
    return frozenset(read_word_list(path))


@cache
def load_stop_words(path: Path = STOP_WORDS_PATH) -> frozenset[str]:
    """The generic domain stop words of ``data/nlp/stop_words.txt`` (spaCy's Chinese list is added in the pipeline)."""
    return frozenset(read_word_list(path))


def stats_path(segmenter: Segmenter | str) -> Path:
    """Where the counts made with ``segmenter`` live: ``data/nlp/stats-<segmenter>.json.gz``."""
    return NLP_DATA_DIR / f"stats-{Segmenter(segmenter).value}.json.gz"


@cache
def load_stats(path: Path) -> dict[str, Any]:
    """The counts :func:`ingest.nlp_build.write_stats` wrote (cached per path; treat as read-only).

    Raises
    ------
    FileNotFoundError
        When the file is missing (the message names the rebuild command).
    ValueError
        When it was written in another format.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; rebuild it with `python -m ingest.nlp_build`")
    with gzip.open(path, "rb") as fh:
        stats = json.loads(fh.read().decode("utf-8"))
    if stats.get("format") != STATS_FORMAT:
        raise ValueError(f"{path} has format {stats.get('format')!r}, expected {STATS_FORMAT}; rebuild it")
    return stats


@cache
def load_taxonomy_names(path: Path = TAXONOMY_NAMES_PATH) -> dict[str, list[tuple[str, str, str | None]]]:
    """``{scheme: [(code, name, parent), ...]}`` for the schemes field linking ranks (cached)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; rebuild it with `python -m ingest.nlp_build`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {scheme: [(c, n, p) for c, n, p in rows] for scheme, rows in data["schemes"].items()}


class _DomainTermMatcher:
    """Marks runs of 1..``max_tokens`` tokens that spell a dictionary term, longest match first.

    Terms are matched on token boundaries only, so a term is never cut out of the
    middle of a word. The spans go to ``doc.spans["domain_terms"]``.
    """

    def __init__(self, terms: Iterable[str], max_tokens: int) -> None:
        self.terms = frozenset(terms)
        self.max_tokens = max_tokens
        self.max_chars = max((len(t) for t in self.terms), default=0)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        i, n = 0, len(doc)
        while i < n:
            best = 0
            text = ""
            for j in range(i, min(n, i + self.max_tokens)):
                text += doc[j].text
                if len(text) > self.max_chars:
                    break
                if text in self.terms:
                    best = j + 1
            if best:
                spans.append(doc[i:best])
                i = best
            else:
                i += 1
        doc.spans[DOMAIN_TERMS_SPAN_KEY] = spans
        return doc


_registered = False
_register_lock = threading.Lock()


def _register_components() -> None:
    """Register ``kgmatch_domain_terms`` with spaCy once (STYLE 17: term matching is a pipeline component)."""
    global _registered
    with _register_lock:
        if _registered:
            return
        from spacy.language import Language

        @Language.factory(
            "kgmatch_domain_terms",
            default_config={"terms_path": None, "max_tokens": MAX_TERM_TOKENS},
        )
        def _make_domain_terms(nlp: Language, name: str, terms_path: str | None, max_tokens: int) -> _DomainTermMatcher:
            terms = load_user_dict(Path(terms_path)) if terms_path else frozenset()
            return _DomainTermMatcher(terms, max_tokens)

        _registered = True


_pipelines: dict[tuple[Segmenter, Path, Path], Language] = {}
_by_args: dict[tuple[str, Path | None, Path | None], Language] = {}  # no path resolving on the hot path
_build_lock = threading.Lock()


def get_nlp(
    segmenter: Segmenter | str = DEFAULT_SEGMENTER,
    *,
    user_dict: Path | None = None,
    stop_words: Path | None = None,
) -> Language:
    """The spaCy ``zh`` pipeline for ``segmenter``, built on first use and then always the same object.

    Parameters
    ----------
    segmenter
        ``"jieba"`` (default) or ``"pkuseg"``.
    user_dict
        Domain dictionary, one term per line; ``data/nlp/user_dict.txt`` by default.
        (The benchmark passes a dictionary built from its training split only.)
    stop_words
        Extra stop words, one per line; ``data/nlp/stop_words.txt`` by default.

    Returns
    -------
    spacy.language.Language
        The cached pipeline: tokenizer (with the domain dictionary) + ``kgmatch_domain_terms``.

    Raises
    ------
    ValueError
        For an unknown segmenter.
    NlpDependencyError
        When spaCy, jieba, spacy-pkuseg or pkuseg's model is not installed.

    Examples
    --------
    >>> get_nlp("jieba") is get_nlp(Segmenter.JIEBA)
    True
    >>> [t.text for t in get_nlp()("锂离子电池正极材料")]
    ['锂离子电池', '正极材料']
    """
    fast = _by_args.get((str(segmenter), user_dict, stop_words))
    if fast is not None:
        return fast
    try:
        seg = Segmenter(segmenter)
    except ValueError as err:
        raise ValueError(f"unknown segmenter {segmenter!r}; use one of {[s.value for s in Segmenter]}") from err
    key = (seg, (user_dict or USER_DICT_PATH).resolve(), (stop_words or STOP_WORDS_PATH).resolve())
    with _build_lock:
        nlp = _pipelines.get(key)
        if nlp is None:
            nlp = _pipelines[key] = _build(*key)
        _by_args[(str(segmenter), user_dict, stop_words)] = nlp
    return nlp


def _build(seg: Segmenter, user_dict: Path, stop_words: Path) -> Language:
    """Build one pipeline from :data:`PIPELINE_CONFIG` (see :func:`get_nlp`)."""
    spacy = require_package("spacy", purpose="The Chinese NLP pipeline")
    _register_components()
    if not user_dict.is_file():
        raise FileNotFoundError(f"domain dictionary {user_dict} not found; rebuild it with `python -m ingest.nlp_build`")
    config = spacy.util.load_config_from_str(PIPELINE_CONFIG)
    config["nlp"]["tokenizer"]["segmenter"] = seg.value
    config["components"]["kgmatch_domain_terms"]["terms_path"] = str(user_dict)
    if seg is Segmenter.JIEBA:
        jieba = require_package("jieba", purpose="The jieba segmenter")
        jieba.setLogLevel(logging.WARNING)
    else:
        require_package("spacy_pkuseg", purpose="The pkuseg segmenter")
        config["initialize"]["tokenizer"]["pkuseg_model"] = str(pkuseg_model_dir())
        config["initialize"]["tokenizer"]["pkuseg_user_dict"] = str(user_dict)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    # spacy-pkuseg prints a notice to stderr when it falls back from features.msgpack to the
    # features.pkl that pkuseg 0.0.25 ships; it is expected, so it goes to the debug log instead.
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        nlp.initialize()
    if captured.getvalue().strip():
        logger.debug("segmenter initialisation said: %s", captured.getvalue().strip())
    if seg is Segmenter.JIEBA:
        # A private jieba.Tokenizer: the domain dictionary never leaks into other users of `jieba`.
        tokenizer = jieba.Tokenizer()
        with user_dict.open("rb") as fh:  # jieba would leave a file it opened itself unclosed
            tokenizer.load_userdict(fh)
        nlp.tokenizer.jieba_seg = tokenizer
    for word in load_stop_words(stop_words):
        nlp.vocab[word].is_stop = True
    logger.info("built spaCy zh pipeline: segmenter=%s, %d domain terms", seg.value, len(load_user_dict(user_dict)))
    return nlp


GENERIC_SUFFIXES = ("技术", "制造", "加工", "服务", "批发", "零售", "种植", "采选", "活动", "修理", "开采", "冶炼")
"""Generic endings of taxonomy names; the stem before one is a term too (锂离子电池制造 → 锂离子电池)."""
# The characters jieba keeps together in one block (jieba.re_han_default).
TERM_CHARS_RE = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")


def name_terms(name: str) -> list[str]:
    """Dictionary candidates from one taxonomy name: its punctuation-free parts and their stems.

    >>> name_terms("集成电路设计技术")
    ['集成电路设计技术', '集成电路设计']
    >>> name_terms("微生物多样性、分类与系统发育")
    ['微生物多样性', '分类与系统发育']
    """
    out: list[str] = []
    for part in TERM_CHARS_RE.findall(name):
        out.append(part)
        for suffix in GENERIC_SUFFIXES:
            if part.endswith(suffix) and len(part) - len(suffix) >= 2:
                out.append(part[: -len(suffix)])
                break
    return out


def is_content_token(text: str, *, is_stop: bool = False) -> bool:
    """Whether a token can carry meaning: not a stop word, punctuation or a bare number, and at least 2 characters.

    >>> [w for w in ["锂电池", "的", "2019", "，", "DNA"] if is_content_token(w)]
    ['锂电池', 'DNA']
    """
    if is_stop or not text.strip():
        return False
    if not any(ch.isalnum() for ch in text):
        return False
    if text.replace(".", "").replace("%", "").isdigit():
        return False
    return len(text) >= 2


def doc_terms(doc: Doc) -> list[str]:
    """The terms of a processed doc, in order: content tokens, then each multi-token domain term joined.

    This is the one tokenisation that keyword extraction, field linking and the model
    build share, so what is counted at build time is what is looked up at run time.

    >>> doc_terms(get_nlp()("锂离子电池的正极材料"))
    ['锂离子电池', '正极材料']
    """
    terms = [t.text for t in doc if is_content_token(t.text, is_stop=t.is_stop)]
    spans = doc.spans[DOMAIN_TERMS_SPAN_KEY] if DOMAIN_TERMS_SPAN_KEY in doc.spans else []
    terms.extend(span.text for span in spans if len(span) > 1)
    return terms


def content_words(text: str, *, segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> list[str]:
    """The content words of ``text`` for retrieval: segmented, without stop words, punctuation,
    bare numbers or single characters (tokenizer only, so it is fast).

    >>> content_words("新常态下中国企业对外投资的理论创新与政策研究")
    ['常态', '中国', '对外投资', '创新', '政策']
    """
    if str(segmenter) == Segmenter.JIEBA.value:
        return _jieba_words().content_words(text)
    return content_words_doc(text, segmenter=segmenter)


def content_words_doc(text: str, *, segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> list[str]:
    """:func:`content_words` through a spaCy ``Doc`` (the reference the jieba fast path is tested against)."""
    nlp = get_nlp(segmenter)
    return [t.text for t in nlp.make_doc(text) if is_content_token(t.text, is_stop=t.is_stop)]


_JIEBA_HAN_RE = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
"""jieba 0.42.1's ``re_han_default``: the blocks its accurate mode segments with the DAG and the HMM."""


class _JiebaContentWords:
    """:func:`content_words` for the jieba pipeline without building a spaCy ``Doc`` (issue 15, 100× index build:
    the ``Doc`` was ~40 % of the profiles' tokenisation).

    The same words, by construction: spaCy's ``ChineseTokenizer`` calls ``jieba_seg.cut(text)`` (accurate mode,
    HMM on) with the pipeline's own private :class:`jieba.Tokenizer`, and jieba's ``cut`` splits the text into
    blocks of ``re_han_default`` characters, segments each block alone, and yields every other character
    one by one (whitespace runs whole). Those other pieces are single characters or whitespace, never content
    tokens, so the content words are those of the blocks, in order; a block's words are memoised (titles and
    keywords repeat across profiles). Each word's verdict (:func:`is_content_token` with the pipeline vocabulary's
    ``is_stop``, looked up as the ``Doc`` does) is memoised too.
    """

    BLOCK_MEMO = 300_000
    """Blocks remembered (the memo is emptied when full: a bound on memory, not a cache policy)."""

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        seg = nlp.tokenizer.jieba_seg
        self.cut_block = seg._Tokenizer__cut_DAG  # what jieba's cut(text, cut_all=False, HMM=True) runs per block
        self.blocks: dict[str, tuple[str, ...]] = {}
        self.verdicts: dict[str, bool] = {}
        self.lock = threading.Lock()  # the segmenter's lazy initialisation

    def words_of_block(self, block: str) -> tuple[str, ...]:
        verdicts = self.verdicts
        out = []
        for word in self.cut_block(block):
            ok = verdicts.get(word)
            if ok is None:
                ok = verdicts[word] = is_content_token(word, is_stop=self.vocab[word].is_stop)
            if ok:
                out.append(word)
        return tuple(out)

    def content_words(self, text: str) -> list[str]:
        blocks = self.blocks
        out: list[str] = []
        for block in _JIEBA_HAN_RE.findall(text):
            words = blocks.get(block)
            if words is None:
                words = self.words_of_block(block)
                if len(blocks) >= self.BLOCK_MEMO:
                    blocks.clear()
                blocks[block] = words
            out.extend(words)
        return out


_jieba_fast: _JiebaContentWords | None = None


def _jieba_words() -> _JiebaContentWords:
    global _jieba_fast
    fast = _jieba_fast
    if fast is None:
        nlp = get_nlp(Segmenter.JIEBA)
        with _build_lock:
            if _jieba_fast is None:
                nlp.tokenizer.jieba_seg.check_initialized()
                _jieba_fast = _JiebaContentWords(nlp)
            fast = _jieba_fast
    return fast


_SUBWORDS: dict[str, tuple[str, ...]] = {}
_SUBWORDS_MEMO = 300_000


def with_subwords(tokens: Sequence[str]) -> list[str]:
    """``tokens``, then the dictionary words inside each token of three characters or more (jieba's search mode,
    ``cut_for_search``: its 2- and 3-character dictionary words), content words only. A demand's 印染废水 and a
    profile's 工业废水 then share 废水, as a reader sees they do; BM25's IDF keeps a generic part (材料) light.

    >>> with_subwords(["印染废水", "高盐", "正极材料"])
    ['印染废水', '高盐', '正极材料', '印染', '废水', '正极', '材料']
    """
    fast = _jieba_words()
    out = list(tokens)
    for token in tokens:
        if len(token) < 3:
            continue
        parts = _SUBWORDS.get(token)
        if parts is None:
            import jieba

            parts = tuple(w for w in jieba.cut_for_search(token) if w != token and len(w) < len(token)
                          and is_content_token(w, is_stop=fast.vocab[w].is_stop))
            if len(_SUBWORDS) >= _SUBWORDS_MEMO:
                _SUBWORDS.clear()
            _SUBWORDS[token] = parts
        out.extend(parts)
    return out


def segment(text: str, *, segmenter: Segmenter | str = DEFAULT_SEGMENTER) -> list[str]:
    """The words of ``text`` as the pipeline segments them (tokenizer only; whitespace dropped).

    >>> segment("机器视觉缺陷检测")
    ['机器视觉', '缺陷检测']
    """
    nlp = get_nlp(segmenter)
    return [t.text for t in nlp.make_doc(text) if not t.is_space]
