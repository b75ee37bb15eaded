"""How much a user may send. Every user-controlled length has a bound here, applied before
the embedder or a model sees the text: the question, the earlier turns a follow-up leans on,
a pasted email, a feedback comment. The app and the CLI take them from the settings (the
app also bounds each whole request: assistant.web_security); the library's defaults are the
settings' defaults."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUESTION_CHARS = 2000
ANSI_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")  # terminal colours, cursor moves
Turn = tuple[str, str]  # (user question, assistant answer)


@dataclass(frozen=True)
class Bounds:
    """The longest input of each kind (characters, turns, bytes)."""

    question_chars: int = MAX_QUESTION_CHARS
    history_turns: int = 3  # earlier turns a follow-up question may lean on
    email_chars: int = 8000
    comment_chars: int = 2000

    @property
    def answer_chars(self) -> int:
        """The longest earlier answer kept with a turn (answers are never embedded)."""
        return 4 * self.question_chars


def printable(text: str) -> str:
    """Text without terminal escapes, control, format, private-use or unpaired surrogate
    characters (a control character becomes a space), its whitespace collapsed."""
    return " ".join("".join(map(_printable, ANSI_ESCAPE.sub("", text))).split())


def _printable(ch: str) -> str:
    """A control character becomes a space; a format, private-use or surrogate one goes."""
    category = unicodedata.category(ch)
    return ch if category[0] != "C" else " " if category == "Cc" else ""


def recent_turns(history: Sequence[Turn], bounds: Bounds) -> list[Turn]:
    """The earlier turns a follow-up may lean on: the last `history_turns` whose question is
    within the bound (a longer one was refused, so there is nothing to lean on), each
    question cleaned and each answer cut to `answer_chars`. Only that many turns are read,
    however long the history."""
    kept: list[Turn] = []
    for question, answer in reversed(history[-4 * max(1, bounds.history_turns):]):
        if len(kept) == bounds.history_turns:
            break
        if len(question) > 4 * bounds.question_chars:
            continue  # too long to clean cheaply, and refused when it was asked
        text = printable(question)
        if text and len(text) <= bounds.question_chars:
            kept.append((text, answer[:bounds.answer_chars]))
    return kept[::-1]
