"""A Swedish-to-English term list (package data) that lets a Swedish question search the
referenced instruments, which exist in English only, by their words: each Swedish word of
the question (any inflection, matched by its Snowball stem) brings the English words listed
for it, and those are searched with BM25 beside the cross-lingual embedding search.

No offline machine translation installs from PyPI here; a term list is small, reviewable
and fixed, and the dense search still carries what it does not cover."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection
from functools import cache, lru_cache
from importlib.resources import files

from assistant.manifest import KIND_WORDS
from assistant.text import terms, words

TERMS = "terms.sv-en.toml"


@cache
def glossary() -> dict[str, str]:
    """Swedish stem -> the English words for it (entries sharing a stem are joined)."""
    raw = tomllib.loads(files("assistant").joinpath("data", TERMS).read_text("utf-8"))
    table: dict[str, list[str]] = {}
    for word, english in raw["terms"].items():
        for stem in terms(word, "sv") or [word.lower()]:
            table.setdefault(stem, []).append(english)
    return {stem: " ".join(dict.fromkeys(words)) for stem, words in table.items()}


MIN_HEAD = 5  # a compound's head found in the list: "bild|konstnär"
MIN_MODIFIER = 4  # and the part before it: not "nät|verk", "medlem|skap", "an|sökning"
MIN_ROOT = 6  # inflections Snowball stems apart: "internationell" / "internationellt"
MIN_COGNATE = 6  # letters a Swedish word shares with an English one: "festival|er"
COGNATE_SHARE = 0.75  # and that share of the Swedish word at least


@lru_cache(maxsize=4096)
def english_of(stem: str) -> str:
    """The English words for one Swedish stem: its own entry, else a variant of it that
    differs only in its ending, else the longest listed word it ends with (a compound's
    head); "" when none."""
    table = glossary()
    if stem in table:
        return table[stem]
    variants = [s for s in table if min(len(s), len(stem)) >= MIN_ROOT
                and abs(len(s) - len(stem)) <= 2 and (s.startswith(stem) or stem.startswith(s))]
    heads = [s for s in table if len(s) >= MIN_HEAD and len(stem) - len(s) >= MIN_MODIFIER
             and stem.endswith(s)]
    found = min(variants, key=len) if variants else max(heads, key=len, default="")
    return table.get(found, "")


@lru_cache(maxsize=256)
def english_groups(question: str) -> tuple[str, ...]:
    """The English words for each Swedish word of a question that the term list has, one
    string per word: its alternatives ("hänvisa": "referred refers")."""
    found = (english_of(stem) for stem in dict.fromkeys(terms(question, "sv")))
    return tuple(english for english in found if english)


def in_english(question: str) -> str:
    """The English words the term list gives for a Swedish question ("" when none)."""
    return " ".join(dict.fromkeys(w for group in english_groups(question) for w in group.split()))


_KIND_WORD = re.compile(rf"\b(?:{'|'.join(KIND_WORDS.values())})\b", re.IGNORECASE)


def unnamed(text: str, spans: Collection[str]) -> str:
    """The text without the words that only name an instrument: the kind words
    ("konvention") and the spans naming it by year ("2005 års konvention", "the 1980
    Recommendation"). Every passage of the instrument has those, so they say nothing about
    which passage answers; a topical name ("immateriellt kulturarv") stays."""
    for span in sorted(spans, key=len, reverse=True):
        if _KIND_WORD.search(span) or any(c.isdigit() for c in span):
            text = re.sub(re.escape(span), " ", text, flags=re.IGNORECASE)
    return _KIND_WORD.sub(" ", text)


def cognate_groups(question: str, vocabulary: Collection[str]) -> list[str]:
    """For each Swedish word of the question that the term list lacks, the English words of
    `vocabulary` spelled like it ("statistik": "statistics", "nationell": "national"):
    words the two languages share from Latin and French, found without a dictionary."""
    by_start = _by_start(frozenset(vocabulary))
    found = []
    for word in dict.fromkeys(words(question)):
        stems = terms(word, "sv")
        if len(word) < MIN_COGNATE or not stems or english_of(stems[0]):
            continue
        alike = [english for english in by_start.get(word[:MIN_COGNATE], ())
                 if len(os.path.commonprefix([word, english])) >= COGNATE_SHARE * len(word)]
        if alike:
            found.append(" ".join(sorted(alike)))
    return found


@lru_cache(maxsize=64)
def _by_start(vocabulary: frozenset[str]) -> dict[str, list[str]]:
    """The vocabulary by its words' first letters. The instruments' words are looked up for
    every question and built once; the support check's per-passage vocabularies mostly
    miss the cache, which is cheap at this size."""
    by_start: dict[str, list[str]] = {}
    for english in sorted(vocabulary):
        by_start.setdefault(english[:MIN_COGNATE], []).append(english)
    return by_start


def cognates(question: str, vocabulary: Collection[str]) -> str:
    """The cognates of a question's words (see `cognate_groups`), as one string."""
    return " ".join(cognate_groups(question, vocabulary))
