"""The membership path, for prospective cities: what the sources say about joining, asked
as a fixed set of questions, and the line every membership answer ends with, saying what
the guideline does not cover and who does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.core.messages import message
from assistant.pipeline.format import chat_markdown, inert, sources_markdown, to_text

if TYPE_CHECKING:
    from assistant.core.types import Answer, Language
    from assistant.pipeline.service import Assistant

# The questions the membership path answers, in the order a prospective city asks them.
PATH = ("membership.path.encouraging", "membership.path.assessing", "membership.path.interest",
        "membership.path.languages", "membership.path.national")


def closing_line(answers: list[Answer], language: str) -> str:
    """What the path ends with: the line saying what the guideline does not cover, unless an
    answer already says it."""
    not_covered = message("membership.not_covered", language)
    return "" if any(not_covered in a.text for a in answers) else not_covered


def membership_path(assistant: Assistant, language: Language) -> list[Answer]:
    """The membership path's questions, each answered (and cited) by the assistant."""
    return [assistant.ask(message(key, language), language) for key in PATH]


def membership_text(answers: list[Answer], language: str) -> str:
    """The membership path for the terminal: each question, its cited answer, then what the
    guideline does not cover."""
    parts = [message("membership.title", language)]
    parts += [f"\n## {answer.question}\n\n{to_text(answer)}" for answer in answers]
    parts.append(f"\n{closing_line(answers, language)}")
    return "\n".join(parts).rstrip() + "\n"


def membership_markdown(answers: list[Answer], language: str) -> str:
    """The membership path for the app: each question, its cited answer and its sources."""
    parts = [f"### {message('membership.title', language)}"]
    for answer in answers:
        parts += [f"#### {inert(answer.question)}", chat_markdown(answer),
                  sources_markdown(answer, level=5)]
    parts.append(inert(closing_line(answers, language)))
    return "\n\n".join(p for p in parts if p)
