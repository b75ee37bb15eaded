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

from assistant.core.text import terms, words
from assistant.core.tuning import Terms
from assistant.storage.manifest import KIND_WORDS

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


@lru_cache(maxsize=4096)
def english_of(stem: str, limits: Terms) -> str:
    """The English words for one Swedish stem: its own entry, else a variant of it that
    differs only in its ending, else the longest listed word it ends with (a compound's
    head); "" when none."""
    table = glossary()
    if stem in table:
        return table[stem]
    variants = [s for s in table if min(len(s), len(stem)) >= limits.min_root
                and abs(len(s) - len(stem)) <= limits.variant_ending
                and (s.startswith(stem) or stem.startswith(s))]
    heads = [s for s in table if len(s) >= limits.min_head
             and len(stem) - len(s) >= limits.min_modifier and stem.endswith(s)]
    found = min(variants, key=len) if variants else max(heads, key=len, default="")
    return table.get(found, "")


@lru_cache(maxsize=256)
def english_groups(question: str, limits: Terms) -> tuple[str, ...]:
    """The English words for each Swedish word of a question that the term list has, one
    string per word: its alternatives ("hänvisa": "referred refers")."""
    found = (english_of(stem, limits) for stem in dict.fromkeys(terms(question, "sv")))
    return tuple(english for english in found if english)


def in_english(question: str, limits: Terms) -> str:
    """The English words the term list gives for a Swedish question ("" when none)."""
    groups = english_groups(question, limits)
    return " ".join(dict.fromkeys(w for group in groups for w in group.split()))


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


def cognate_groups(question: str, vocabulary: Collection[str], limits: Terms) -> list[str]:
    """For each Swedish word of the question that the term list lacks, the English words of
    `vocabulary` spelled like it ("statistik": "statistics", "nationell": "national"):
    words the two languages share from Latin and French, found without a dictionary."""
    start = limits.min_cognate
    by_start = _by_start(frozenset(vocabulary), start)
    found = []
    for word in dict.fromkeys(words(question)):
        stems = terms(word, "sv")
        if len(word) < start or not stems or english_of(stems[0], limits):
            continue
        shared = limits.cognate_share * len(word)
        alike = [english for english in by_start.get(word[:start], ())
                 if len(os.path.commonprefix([word, english])) >= shared]
        if alike:
            found.append(" ".join(sorted(alike)))
    return found


@lru_cache(maxsize=64)
def _by_start(vocabulary: frozenset[str], letters: int) -> dict[str, list[str]]:
    """The vocabulary by its words' first `letters` letters. The instruments' words are
    looked up for every question and built once; the support check's per-passage
    vocabularies mostly miss the cache, which is cheap at this size."""
    by_start: dict[str, list[str]] = {}
    for english in sorted(vocabulary):
        by_start.setdefault(english[:letters], []).append(english)
    return by_start


def cognates(question: str, vocabulary: Collection[str], limits: Terms) -> str:
    """The cognates of a question's words (see `cognate_groups`), as one string."""
    return " ".join(cognate_groups(question, vocabulary, limits))
