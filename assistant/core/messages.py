"""The assistant's wording in Swedish and English: one catalogue, `data/messages.toml`
(package data), where each message is a table holding its `sv` and `en` text."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.types import Language

CATALOGUE = "assistant/data/messages.toml"
LANGUAGES: tuple[Language, ...] = ("sv", "en")


def _messages(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(key, texts) for each message: a table whose values are texts, named by its path."""
    for name, value in table.items():
        nested = isinstance(value, dict) and any(isinstance(v, dict) for v in value.values())
        if nested:
            yield from _messages(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message by key ("answer.intro"), each with its text per language."""
    text = files("assistant").joinpath("data", "messages.toml").read_text("utf-8")
    try:
        return dict(_messages(tomllib.loads(text)))
    except tomllib.TOMLDecodeError as err:
        raise AssistantError(f"{CATALOGUE} is not valid TOML ({err}); fix the file.") from None


def message(key: str, language: str, **fields: object) -> str:
    """The message `key` in `language`, its {placeholders} filled from `fields` (as written
    when none are given)."""
    texts = catalogue().get(key)
    if not isinstance(texts, dict) or not isinstance(texts.get(language), str):
        raise AssistantError(f"No {language!r} text for the message {key!r} in {CATALOGUE}; "
                             f"add a [{key}] table with sv and en to it.")
    if not fields:
        return texts[language]
    try:
        return texts[language].format(**fields)
    except KeyError as err:
        raise AssistantError(f"The message {key!r} in {CATALOGUE} has the placeholder {err} "
                             f"that the code does not fill; use only {sorted(fields)}.") from None


def bilingual(key: str, between: str = " / ", **fields: object) -> str:
    """A message in Swedish and English at once, as the app shows its labels ("Fråga / Ask"),
    its {placeholders} filled from `fields` in both."""
    return f"{message(key, 'sv', **fields)}{between}{message(key, 'en', **fields)}"
