"""Draft replies for Council staff: the questions of a pasted email, each answered from the
sources by the assistant, in one formal reply with numbered citations and a source list."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.core.bounds import MAX_QUESTION_CHARS
from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.text import split_sentences
from assistant.core.types import SUPPLEMENT, Answer, Citation, Language, Reply
from assistant.pipeline.citations import MARKER
from assistant.storage.manifest import of_kind

if TYPE_CHECKING:
    from assistant.pipeline.service import Assistant

_GREETINGS = r"(?:hej|hejsan|hallå|god (?:morgon|dag)|dear|hi|hello|to whom)"
# A line that only greets (a greeting followed by a question is kept, without the greeting).
_GREETING = re.compile(rf"^{_GREETINGS}\b[^?.]{{0,40}}$", re.IGNORECASE)
_OPENER = re.compile(rf"^{_GREETINGS}\b[^,.!?]{{0,40}}[,!]\s*", re.IGNORECASE)
_SIGN_OFF = re.compile(r"^(?:med vänliga hälsningar|vänliga hälsningar|mvh|hälsningar|"
                       r"best regards|kind regards|regards|best wishes|sincerely|yours)\b",
                       re.IGNORECASE)

def email_body(email: str) -> str:
    """The email without its greeting, its sign-off and anything after the sign-off."""
    kept: list[str] = []
    for line in (ln.strip() for ln in email.splitlines()):
        if _SIGN_OFF.match(line):
            break
        if line and not _GREETING.match(line):
            kept.append(line)
    return _OPENER.sub("", " ".join(kept))


def questions_in(email: str, limit: int = MAX_QUESTION_CHARS) -> list[str]:
    """The questions an email asks (its sentences ending in a question mark, each once), or,
    when it has none, its whole body as one request (at most `limit` characters)."""
    body = email_body(email)
    if not body:
        raise AssistantError("The email has no text to answer; paste the message itself.")
    asked = list(dict.fromkeys(s for s in split_sentences(body) if s.rstrip().endswith("?")))
    if not asked and len(body) > limit:
        raise AssistantError(
            f"The email asks no question (no sentence ends in '?') and is {len(body)} "
            f"characters long; paste the questions themselves, each ending in '?'.")
    return asked or [body]


def _renumbered(answer: Answer, sources: dict[str, Citation]) -> str:
    """The answer's text with its markers renumbered into the reply's one source list,
    adding its citations to `sources` (a passage cited twice keeps one number); a marker
    that points to none of the answer's citations is dropped."""
    numbers: dict[int, int] = {}
    for cited in answer.citations:
        if cited.chunk_id not in sources:
            sources[cited.chunk_id] = replace(cited, n=len(sources) + 1)
        numbers[cited.n] = sources[cited.chunk_id].n
    known = {n: f"[{m}]" for n, m in numbers.items()}
    return MARKER.sub(lambda m: known.get(int(m.group(1)), ""), answer.text)


def _section(answer: Answer, text: str) -> str:
    language = answer.language
    if answer.abstained:
        text = text.replace(message("answer.abstain", language),
                            message("draft.to_complete", language))
    text = text.replace(message("membership.not_covered", language),
                        message("draft.scope_to_complete", language))
    return f"**{message('draft.asked', language)}:** {answer.question}\n\n{text}"


def _opening(language: Language, citations: list[Citation], supplement: bool) -> str:
    parts = [message("draft.opening", language)]
    if citations:
        parts[0] += " " + message("draft.numbered", language)
    if supplement:
        parts.append(message("draft.check_supplement", language))
    return "\n\n".join(parts)


def compose_reply(answers: Iterable[Answer], language: Language, unanswered: int = 0,
                  later: Iterable[str] = ()) -> Reply:
    """One formal reply from the answers to an email's questions; `unanswered`: how many
    more questions the email asks; `later`: the supplement's document ids."""
    sources: dict[str, Citation] = {}
    answered = list(answers)
    sections = [_section(a, _renumbered(a, sources)) for a in answered]
    if unanswered:
        sections.append(message("draft.more_questions", language, n=unanswered))
    cited, later_ids = list(sources.values()), set(later)
    supplement = any(c.doc_id in later_ids for c in cited)
    closing = message("draft.closing", language)
    body = "\n\n".join([_opening(language, cited, supplement), *sections, closing])
    return Reply(language, message("draft.title", language), body, tuple(cited),
                 tuple(a.question for a in answered), tuple(answered))


def _answers(assistant: Assistant, asked: list[str], language: Language) -> list[Answer]:
    """Each question answered in turn (a question that leans on the one before is read with
    it); one the assistant refuses becomes a part for the drafter to complete."""
    answers: list[Answer] = []
    for question in asked:
        history = [(a.question, a.text) for a in answers[-1:]]
        try:
            answers.append(assistant.ask(question, language, history=history))
        except AssistantError:
            answers.append(Answer(question, language, message("answer.abstain", language), (),
                                  True, assistant.backend))
    return answers


def draft_reply(assistant: Assistant, email: str, lang: str = "auto") -> Reply:
    """A reply to a pasted email in the chosen language ("auto": the email's), answering
    each of its questions (up to the tuning's `draft.max_questions`) from the sources."""
    from assistant.pipeline.service import clean_question, resolve_language

    bounds = assistant.bounds
    if len(email) > bounds.email_chars:
        raise AssistantError(f"The email is {len(email)} characters long; paste at most "
                             f"{bounds.email_chars} (the part with the questions).")
    if any(unicodedata.category(ch) == "Cs" for ch in email):
        raise AssistantError("The email is not valid UTF-8 text; paste or save it as UTF-8 "
                             "text and try again.")
    asked = questions_in(email, bounds.question_chars)
    opening = " ".join(asked)[:bounds.question_chars]
    language, _ = resolve_language(clean_question(opening, bounds.question_chars), lang,
                                   assistant.tuning.reading)
    later = of_kind(assistant.retriever.index.manifest.documents, SUPPLEMENT)
    most = assistant.tuning.draft.max_questions
    answers = _answers(assistant, asked[:most], language)
    return compose_reply(answers, language, max(0, len(asked) - most), later)
