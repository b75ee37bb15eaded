"""A Swedish-to-English term list (package data) that lets a Swedish question search the
referenced instruments, which exist in English only, by their words: each Swedish word of
the question (any inflection, matched by its Snowball stem) brings the English words listed
for it, and those are searched with BM25 beside the cross-lingual embedding search.

No offline machine translation installs from PyPI here; a term list is small, reviewable
and fixed, and the dense search still carries what it does not cover."""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from importlib.resources import files

from assistant.text import terms

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


@lru_cache(maxsize=256)
def in_english(question: str) -> str:
    """The English words the term list gives for a Swedish question ("" when none); kept,
    since retrieval and the support check of each retrieved passage all ask for it."""
    table = glossary()
    return " ".join(dict.fromkeys(table[s] for s in terms(question, "sv") if s in table))
