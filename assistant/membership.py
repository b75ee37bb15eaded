"""The membership path, for prospective cities: what the sources say about joining, asked
as a fixed set of questions, and the line every membership answer ends with, saying what
the guideline does not cover and who does."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.service import Assistant
    from assistant.types import Answer, Language

# A question about joining the network: applying, membership, candidates (not "which
# obligations apply", "the application of Article 7" or "join a sub-group meeting").
ABOUT_JOINING = re.compile(
    r"\b(?:ansöka|ansöker|ansökan|ansökningar\w*|ansökningsomgång\w*|medlemskap\w*|"
    r"blir? (?:\w+ )?(?:en )?(?:kreativ stad|medlem)|gå med i nätverket|kandidat\w*|"
    r"intresseanmälan|"
    r"membership|candida\w*|(?:new|more|our|city's|cities'|swedish) applications?|"
    r"expression of interest|become a (?:creative city|member)|"
    r"join(?:ing)? the (?:creative cities )?network|"
    r"(?:cities|city|we|us) to apply|(?:can|could|may|should|do|does) (?:we|our city|a city|"
    r"swedish cities|cities|it) (?:still )?apply|apply (?:to|for) (?:the )?(?:network|"
    r"membership|designation|uccn)|applications? (?:to|for) (?:the )?(?:network|membership|"
    r"uccn|unesco|join))\b",
    re.IGNORECASE,
)
NOT_COVERED = {
    "sv": "Riktlinjerna tar inte upp avgifter, ansökningsdatum eller ansökningsblanketter; "
          "fråga Svenska Unescorådet (unesco.se) om dem.",
    "en": "The guidelines do not cover fees, deadlines or application forms; ask the Swedish "
          "National Commission for UNESCO (Svenska Unescorådet, unesco.se) about them.",
}
# The questions the membership path answers, in the order a prospective city asks them.
PATH = {
    "sv": (
        "Uppmuntrar Svenska Unescorådet fler svenska städer att ansöka till nätverket nu?",
        "Vem bedömer svenska städers ansökningar till nätverket?",
        "När ska en svensk stad skicka in en intresseanmälan till Svenska Unescorådet inför "
        "en ansökan?",
        "På vilka språk skrivs ansökan till Unesco, och hur ofta är ansökningsomgången öppen?",
        "Vad ska en kreativ stad göra på nationell nivå när den har blivit medlem?",
    ),
    "en": (
        "Is the Swedish National Commission encouraging more Swedish cities to apply now?",
        "Who assesses Swedish cities' applications to the network?",
        "By when must a Swedish city send its expression of interest (intresseanmälan) to "
        "Svenska Unescorådet?",
        "In which languages are applications to UNESCO written, and how often are calls for "
        "applications open?",
        "What must a creative city do at national level once it is a member?",
    ),
}
TITLE = {"sv": "Att bli kreativ stad: vad källorna säger",
         "en": "Becoming a creative city: what the sources say"}


def about_joining(question: str) -> bool:
    """Whether a question is about joining the network."""
    return bool(ABOUT_JOINING.search(question))


def with_scope(answer: Answer) -> Answer:
    """A membership answer that says what the guideline does not cover (unless it already
    abstains, which points to Svenska Unescorådet itself)."""
    if answer.abstained or not about_joining(answer.question):
        return answer
    return replace(answer, text=f"{answer.text}\n\n{NOT_COVERED[answer.language]}")


def closing_line(answers: list[Answer], language: str) -> str:
    """What the path ends with: the line saying what the guideline does not cover, unless an
    answer already says it."""
    return "" if any(NOT_COVERED[language] in a.text for a in answers) else NOT_COVERED[language]


def membership_path(assistant: Assistant, language: Language) -> list[Answer]:
    """The membership path's questions, each answered (and cited) by the assistant."""
    return [assistant.ask(question, language) for question in PATH[language]]
