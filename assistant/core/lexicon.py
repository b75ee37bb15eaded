"""Words the question parser needs, as data (`assistant/data/lexicon/`): Sweden's 290
municipalities and other place names, the world's countries with their adjectives, the
function words that tell Swedish from English, and the words that ask for a text's wording in
one language. Loaded once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.text import words
from assistant.core.types import Language

PLACE, COUNTRY = "place", "country"


def _read(name: str) -> str:
    return files("assistant").joinpath("data", "lexicon", name).read_text("utf-8")


@cache
def gazetteer() -> dict[tuple[str, ...], str]:
    """Lower-cased place and country names, as word tuples ("upplands", "väsby"), by kind."""
    found: dict[tuple[str, ...], str] = {}
    for name in (_read("municipalities.txt") + "\n" + _read("places.txt")).splitlines():
        if name.strip():
            found[tuple(words(name))] = PLACE
    for line in _read("countries.tsv").splitlines():
        for name in line.split("\t")[:2]:
            if name.strip():
                found[tuple(words(name))] = COUNTRY
    return found


@cache
def longest_name() -> int:
    """The most words a gazetteer name has."""
    return max(len(name) for name in gazetteer())


@cache
def _function_table() -> dict[str, Any]:
    """`function_words.toml`, parsed once for the readers below."""
    return tomllib.loads(_read("function_words.toml"))


@cache
def function_words() -> dict[str, frozenset[str]]:
    """Words that mark a language, short as questions are ("vem", "the", "är", "is")."""
    raw = _function_table()
    return {lang: frozenset(raw[lang]) for lang in ("sv", "en")}


@cache
def roles() -> dict[str, dict[str, str]]:
    """How a named place or country is read: as the role it plays ("a city")."""
    raw = _function_table()
    return {kind: dict(raw["roles"][kind]) for kind in (PLACE, COUNTRY)}


@cache
def located(language: Language) -> frozenset[str]:
    """Words after which a named place is where a fact is, not who asks ("i", "in")."""
    raw = _function_table()
    try:
        return frozenset(raw["located"][language])
    except KeyError as err:
        raise AssistantError(f"function_words.toml lacks {err}; it needs a [located] table "
                             "with a list for sv and for en.") from err


@dataclass(frozen=True)
class Wording:
    """The words that ask how a text is worded in one language (`wording.toml`)."""

    languages: dict[str, Language]  # a language's name in either language -> "sv" / "en"
    prepositions: frozenset[str]
    documents: frozenset[str]
    wording: frozenset[str]


@cache
def wording(language: Language) -> Wording:
    """The wording words of questions asked in one language."""
    raw = tomllib.loads(_read("wording.toml"))
    try:
        side, languages = raw[language], dict(raw["languages"])
        lists = [frozenset(side[name]) for name in ("prepositions", "documents", "wording")]
    except KeyError as err:
        raise AssistantError(f"wording.toml lacks {err}; it needs a [languages] table and, for "
                             "[sv] and [en], prepositions, documents and wording.") from err
    if wrong := {name for name, code in languages.items() if code not in ("sv", "en")}:
        raise AssistantError(f"wording.toml: {', '.join(sorted(wrong))} must map to \"sv\" or "
                             "\"en\"; fix the [languages] table.")
    return Wording(languages, *lists)
