"""Draft replies for Council staff: the questions of a pasted email, each answered from the
sources by the assistant, in one formal reply with numbered citations and a source list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answer import ABSTAIN
from assistant.citations import MARKER
from assistant.errors import AssistantError
from assistant.membership import NOT_COVERED
from assistant.text import split_sentences
from assistant.types import Answer, Citation, Language, Reply

if TYPE_CHECKING:
    from assistant.service import Assistant

MAX_EMAIL_CHARS = 8000
MAX_QUESTIONS = 6
# Lines that open or close an email rather than ask anything.
_GREETING = re.compile(r"^(?:hej|hejsan|hallå|god (?:morgon|dag)|dear|hi|hello|to whom)\b.{0,40}$",
                       re.IGNORECASE)
_SIGN_OFF = re.compile(r"^(?:med vänliga hälsningar|vänliga hälsningar|mvh|hälsningar|"
                       r"best regards|kind regards|regards|best wishes|sincerely|yours)\b",
                       re.IGNORECASE)
_OPENER = re.compile(r"^(?:hej|hejsan|hallå|dear|hi|hello)\b[^,.!?]{0,40}[,!]\s*", re.IGNORECASE)
OPENING = {
    "sv": "Hej,\n\nTack för ditt mejl. Nedan svarar vi utifrån Riktlinjer för Unescos kreativa "
          "städer i Sverige och de dokument som riktlinjerna hänvisar till. Siffrorna inom "
          "hakparentes hänvisar till källorna i slutet av brevet.",
    "en": "Hello,\n\nThank you for your message. We answer below from the Guidelines for "
          "UNESCO Creative Cities in Sweden and the documents they refer to. The numbers in "
          "brackets refer to the sources listed at the end of this letter.",
}
CLOSING = {"sv": "Med vänliga hälsningar\n\nSvenska Unescorådet",
           "en": "Kind regards\n\nSvenska Unescorådet (the Swedish National Commission for UNESCO)"}
ASKED = {"sv": "Fråga", "en": "Question"}
TITLE = {"sv": "Svarsutkast", "en": "Draft reply"}
# What the drafter fills in: the sources do not answer (the reply is from the Council itself).
TO_COMPLETE = {"sv": "(Riktlinjerna säger inget om detta; komplettera svaret här.)",
               "en": "(The guidelines do not say; complete this part of the reply.)"}
SCOPE_TO_COMPLETE = {
    "sv": "(Riktlinjerna tar inte upp avgifter, ansökningsdatum eller ansökningsblanketter; "
          "komplettera vid behov.)",
    "en": "(The guidelines do not cover fees, deadlines or application forms; complete if "
          "needed.)",
}


def email_body(email: str) -> str:
    """The email without its greeting, its sign-off and anything after the sign-off."""
    kept: list[str] = []
    for line in (ln.strip() for ln in email.splitlines()):
        if _SIGN_OFF.match(line):
            break
        if line and not _GREETING.match(line):
            kept.append(line)
    return _OPENER.sub("", " ".join(kept))


def questions_in(email: str) -> list[str]:
    """The questions an email asks: its sentences ending in a question mark, or, when it
    has none, its whole body as one request."""
    body = email_body(email)
    if not body:
        raise AssistantError("The email has no text to answer; paste the message itself.")
    asked = [s for s in split_sentences(body) if s.rstrip().endswith("?")]
    return list(dict.fromkeys(asked or [body]))[:MAX_QUESTIONS]


def _renumbered(answer: Answer, sources: dict[str, Citation]) -> str:
    """The answer's text with its markers renumbered into the reply's one source list,
    adding its citations to `sources` (a passage cited twice keeps one number)."""
    numbers: dict[int, int] = {}
    for cited in answer.citations:
        if cited.chunk_id not in sources:
            n = len(sources) + 1
            sources[cited.chunk_id] = replace(cited, n=n)
        numbers[cited.n] = sources[cited.chunk_id].n
    return MARKER.sub(lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", answer.text)


def _section(answer: Answer, text: str) -> str:
    language = answer.language
    if answer.abstained:
        text = text.replace(ABSTAIN[language], TO_COMPLETE[language])
    text = text.replace(NOT_COVERED[language], SCOPE_TO_COMPLETE[language])
    return f"**{ASKED[language]}:** {answer.question}\n\n{text}"


def compose_reply(answers: Iterable[Answer], language: Language) -> Reply:
    """One formal reply from the answers to an email's questions."""
    sources: dict[str, Citation] = {}
    answered = list(answers)
    sections = [_section(a, _renumbered(a, sources)) for a in answered]
    body = "\n\n".join([OPENING[language], *sections, CLOSING[language]])
    return Reply(language, TITLE[language], body, tuple(sources.values()),
                 tuple(a.question for a in answered))


def draft_reply(assistant: Assistant, email: str, lang: str = "auto") -> Reply:
    """A reply to a pasted email in the chosen language ("auto": the email's), answering
    each of its questions from the sources."""
    from assistant.service import clean_question, resolve_language

    if len(email) > MAX_EMAIL_CHARS:
        raise AssistantError(f"The email is {len(email)} characters long; paste at most "
                             f"{MAX_EMAIL_CHARS} (the part with the questions).")
    asked = questions_in(email)
    language, _ = resolve_language(clean_question(" ".join(asked)[:2000]), lang)
    return compose_reply((assistant.ask(q, language) for q in asked), language)
