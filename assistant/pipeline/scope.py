"""The scope line of an answer about joining the network: the guidelines do not cover fees,
deadlines or application forms, and Svenska Unescorådet does. Part of composing any answer, so
the pipeline adds it and the membership path (a feature above the pipeline) reads it from here."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.core.messages import message

if TYPE_CHECKING:
    from assistant.core.types import Answer


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


def about_joining(question: str) -> bool:
    """Whether a question is about joining the network."""
    return bool(ABOUT_JOINING.search(question))


def with_scope(answer: Answer) -> Answer:
    """A membership answer that says what the guideline does not cover (unless it already
    abstains, which points to Svenska Unescorådet itself)."""
    if answer.abstained or not about_joining(answer.question):
        return answer
    not_covered = message("membership.not_covered", answer.language)
    return replace(answer, text=f"{answer.text}\n\n{not_covered}")
