"""The offline support check: does a passage answer (or support) a piece of text?

Plain code, no model call: coverage of the text's content terms (Snowball stems), the
dense cosine from retrieval, and exact agreement of names and numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import terms, words
from assistant.types import Hit

_NUMBER = re.compile(r"\d+(?:[–-]\d+)?")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÅÄÖ][\wåäöÅÄÖ-]+")
# Words that are capitalised in questions without being names.
_NOT_NAMES = {"i", "unesco", "unescos", "unescorådet", "council", "commission", "national",
              "swedish", "svenska", "network", "city", "cities", "creative", "guidelines"}


@dataclass(frozen=True)
class Support:
    """How well a passage supports a text, and the verdict."""

    coverage: float
    dense: float
    missing_names: tuple[str, ...]
    supported: bool


@dataclass(frozen=True)
class Thresholds:
    """Support limits, calibrated per embedder on tests/data/questions.yaml."""

    coverage: float = 0.5
    dense: float = 0.82
    dense_alone: float = 0.9


# multilingual-e5 cosines sit in a narrow high band; MiniLM-style models spread wider.
_BY_EMBEDDER = {"e5": Thresholds()}
_OTHER_EMBEDDERS = Thresholds(dense=0.3, dense_alone=0.7)


def thresholds_for(embedder: str) -> Thresholds:
    """The support limits for the embedder that built the index."""
    return _BY_EMBEDDER.get(embedder, _OTHER_EMBEDDERS)


def names_and_numbers(text: str) -> set[str]:
    """Proper names (capitalised, not sentence-initial) and numbers in a text."""
    names = {m.group(0).lower() for m in _NAME.finditer(text.strip())}
    return {n for n in names if n not in _NOT_NAMES} | set(_NUMBER.findall(text))


def _mentioned(name: str, haystack: set[str]) -> bool:
    stem = name[: max(4, len(name) - 2)]
    return any(word.startswith(stem) for word in haystack)


def missing(text: str, passage: str) -> tuple[str, ...]:
    """Names and numbers of `text` that the passage does not mention."""
    haystack = set(words(passage))
    return tuple(sorted(n for n in names_and_numbers(text) if not _mentioned(n, haystack)))


def _passage(hit: Hit) -> str:
    return hit.chunk.indexed_text + ("\n" + hit.original.indexed_text if hit.original else "")


def coverage(text: str, language: str, passage: str) -> float:
    """Share of the text's content terms that the passage contains."""
    wanted = set(terms(text, language))
    if not wanted:
        return 0.0
    return len(wanted & set(terms(passage, language))) / len(wanted)


def support(text: str, language: str, hit: Hit, limits: Thresholds = Thresholds()) -> Support:
    """Judge whether a retrieved passage supports (answers) the text."""
    passage = _passage(hit)
    cov = coverage(text, language, passage)
    absent = missing(text, passage)
    lexical = cov >= limits.coverage and hit.dense >= limits.dense
    ok = not absent and (lexical or hit.dense >= limits.dense_alone)
    return Support(cov, hit.dense, absent, ok)
