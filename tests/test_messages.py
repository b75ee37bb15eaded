"""The message catalogue (`assistant/data/messages.toml`): every message in both languages
with the same placeholders, every key the code asks for there, and none left unused."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.core.messages import LANGUAGES, bilingual, catalogue, message
from assistant.core.settings import REPO_ROOT

SOURCES = [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "assistant").rglob("*.py")),
           *sorted((REPO_ROOT / "ingest").glob("*.py"))]
READERS = {"message", "bilingual"}  # the functions that take a key first


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _literals(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def _asked_keys(tree: ast.AST) -> set[str]:
    """The keys in the first argument of each message()/bilingual() call (a literal, or
    literals chosen between)."""
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args
             and isinstance(n.func, ast.Name) and n.func.id in READERS]
    return {key for call in calls for key in _literals(call.args[0])}


def _source_trees(paths: list[Path]) -> list[ast.AST]:
    return [ast.parse(path.read_text(encoding="utf-8")) for path in paths]


def test_every_message_has_both_languages_with_the_same_placeholders():
    for key, texts in catalogue().items():
        assert sorted(texts) == sorted(LANGUAGES), f"[{key}] has {sorted(texts)}"
        assert all(isinstance(t, str) and t for t in texts.values()), key
        assert placeholders(texts["sv"]) == placeholders(texts["en"]), key


def test_every_key_the_code_asks_for_exists():
    sections = {key.split(".")[0] for key in catalogue()}
    trees = _source_trees(SOURCES)
    asked = set().union(*map(_asked_keys, trees))
    # also keys held in tuples and dicts (the membership path's questions, the examples)
    held = {s for tree in trees for s in _literals(tree)
            if s.split(".")[0] in sections and s.count(".") and " " not in s}
    assert asked, "no message() calls found: the scan is broken"
    assert sorted((asked | held) - set(catalogue())) == []


def test_every_message_is_used():
    used = set().union(*(_literals(tree) for tree in _source_trees(SOURCES)))
    assert sorted(set(catalogue()) - used) == []


def test_placeholders_are_kept_until_filled():
    template = message("answer.dated_intro", "sv")
    assert "{period}" in template
    assert message("answer.dated_intro", "sv", period="2018–2021") == template.replace(
        "{period}", "2018–2021")
    assert message("format.dropped", "en", n=2).startswith("2 sentences")


def test_labels_show_both_languages():
    assert bilingual("format.sources") == "Källor / Sources"
    assert bilingual("format.sources", between=" · ") == "Källor · Sources"


@pytest.mark.parametrize("key, language, fields, named", [
    ("answer.no_such_message", "sv", {}, "'answer.no_such_message'"),
    ("answer.intro", "fr", {}, "'fr'"),
    ("answer", "sv", {}, "'answer'"),
    ("answer.dated_intro", "en", {"date": "2021"}, "'period'"),
])
def test_a_missing_key_language_or_field_names_it_and_the_file(key, language, fields, named):
    with pytest.raises(AssistantError, match="messages.toml") as raised:
        message(key, language, **fields)
    assert named in str(raised.value)
