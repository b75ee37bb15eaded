"""What the app's buttons and boxes do, apart from the page's layout: answer a question with its
history, record feedback, export an answer, draft a reply, filter the obligations register, plan
a calendar, walk the membership path. Plain functions of typed values, tested without a browser."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core.bounds import Bounds, printable
from assistant.core.errors import AssistantError
from assistant.core.messages import LANGUAGES, bilingual, message
from assistant.core.types import Answer, Language, Obligation, Reply
from assistant.features.audit import AuditLog
from assistant.features.draft import draft_reply
from assistant.features.export import from_answer, to_markdown, write_exports
from assistant.features.membership import membership_markdown, membership_path
from assistant.features.obligations import DESIGNATED, by_actor, calendar_text, due, to_csv
from assistant.pipeline.format import (
    chat_markdown,
    inert,
    plain,
    readable,
    sources_markdown,
)
from assistant.pipeline.generate import Turn
from assistant.pipeline.service import Assistant

log = logging.getLogger("assistant.app")


CACHE_SWEEP_S = 3600  # Gradio deletes served exports older than this, this often
CHECKING = bilingual("app.chat.checking")
FAILED = bilingual("app.chat.failed")
Message = dict[str, Any]


FEEDBACK = {
    "none": bilingual("app.feedback.none"),
    "off": bilingual("app.feedback.off"),
    "saved": bilingual("app.feedback.saved"),
    "failed": bilingual("app.feedback.failed"),
    "unrecorded": bilingual("app.feedback.unrecorded"),
}
ALL_ACTORS = bilingual("app.obligations.all_actors")
REGISTER_HEADERS = [  # the requirement is in two columns, one per language, each named in it
    bilingual("app.obligations.actor"), bilingual("app.obligations.level"),
    bilingual("app.obligations.when"), bilingual("app.obligations.to"),
    bilingual("app.obligations.language"), message("app.obligations.requirement", "sv"),
    message("app.obligations.requirement", "en"), bilingual("app.obligations.section"),
    bilingual("app.obligations.passage")]
ANSWER_STEM = "svar-answer"


_EXPORTS = tempfile.TemporaryDirectory(prefix="kreativa-exports-")  # removed at exit
DRAFT_STEM = "svarsutkast-draft-reply"


DEFAULT_BOUNDS = Bounds()


@dataclass(frozen=True)
class Shown:
    """The answer last shown in the chat, and its id in the audit log (for feedback)."""

    answer: Answer
    audit_id: str = ""


# chat history, sources panel, question box, the answer once it is checked
Update = tuple[list[Message], str, str, Shown | None]


def message_text(message: Message) -> str:
    """The text of a chat message (a string, or Gradio's list of typed parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


def turns(history: list[Message], bounds: Bounds = DEFAULT_BOUNDS) -> list[Turn]:
    """(question, answer) pairs of the chat's last turns, for follow-up questions; only the
    last few messages are read, however long the chat (the service bounds them further)."""
    pairs: list[Turn] = []
    asked: str | None = None
    for said in history[-4 * max(1, bounds.history_turns):]:
        role = said.get("role")
        if role == "user":
            asked = plain(message_text(said))
        elif role == "assistant" and asked is not None:
            pairs.append((asked, message_text(said)))
            asked = None
    return pairs


def respond(assistant: Assistant, question: str, history: list[Message], lang: str,
            audit: AuditLog | None = None) -> Iterator[Update]:
    """Answer one chat turn, showing each sentence a language model writes once it has
    passed the check, then the checked answer: (new history, sources panel, question box,
    shown answer)."""
    typed = readable(question)  # what the page can show of it (no unpaired surrogates)
    shown = [*history, {"role": "user", "content": inert(typed)}]
    checked = ""
    try:
        for event in assistant.stream(question, lang, history=turns(history, assistant.bounds)):
            if isinstance(event, str):
                checked += event
                content = f"_{CHECKING}_\n\n{inert(checked)}"
                yield [*shown, {"role": "assistant", "content": content}], "", "", None
            else:
                audit_id = audit.record(event, "app") if audit is not None else ""
                reply = {"role": "assistant", "content": chat_markdown(event)}
                yield [*shown, reply], sources_markdown(event), "", Shown(event, audit_id)
    except AssistantError as err:
        yield [*shown, {"role": "assistant", "content": str(err)}], "", typed, None
    except Exception as err:  # the page never shows a stack trace; the log keeps it
        log.exception("answering a question (%d characters) failed: %s", len(question),
                      type(err).__name__)  # never the question itself: it is the user's
        yield [*shown, {"role": "assistant", "content": FAILED}], "", typed, None


def give_feedback(audit: AuditLog | None, shown: Shown | None, helpful: bool,
                  comment: str, bounds: Bounds = DEFAULT_BOUNDS) -> tuple[str, str]:
    """Record feedback on the last answer, its comment cleaned like a question and cut to
    the bound: (the line to show under the buttons, the comment box, emptied once the
    comment is kept)."""
    if shown is None:
        return FEEDBACK["none"], comment
    if audit is None:
        return FEEDBACK["off"], comment
    if not shown.audit_id:  # the answer itself could not be written to the log
        return FEEDBACK["unrecorded"], comment
    kept = printable(comment)[:bounds.comment_chars]
    saved = audit.feedback(shown.audit_id, helpful, kept)
    return FEEDBACK["saved" if saved else "failed"], "" if saved else comment


def export_folder() -> Path:
    """A fresh folder for one export, inside the app's own temporary folder (removed when
    the app stops; exports older than CACHE_SWEEP_S are removed here, and Gradio's copies
    by its cache sweep)."""
    root = Path(_EXPORTS.name)
    stale = time.time() - CACHE_SWEEP_S
    for old in root.iterdir():
        if old.stat().st_mtime < stale:
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(dir=root))


def export_files(reply: Reply, stem: str) -> tuple[str, str]:
    """A reply written as .md and .docx, for the download buttons."""
    markdown, word = write_exports(reply, export_folder(), stem)
    return str(markdown), str(word)


def export_answer(shown: Shown | None) -> tuple[Any, Any, str]:
    """The chat's export: the last answer as .md and .docx downloads."""
    if shown is None:
        return gr.update(visible=False), gr.update(visible=False), FEEDBACK["none"]
    markdown, word = export_files(from_answer(shown.answer), ANSWER_STEM)
    return gr.update(value=markdown, visible=True), gr.update(value=word, visible=True), ""


def draft_update(assistant: Assistant, email: str, lang: str,
                 audit: AuditLog | None = None) -> tuple[str, Any, Any]:
    """The draft-reply tab: the draft shown, and its two downloads (or an error line); each
    answered question goes to the audit log."""
    try:
        reply = draft_reply(assistant, email, lang)
    except AssistantError as err:
        return f"**{inert(str(err))}**", gr.update(visible=False), gr.update(visible=False)
    if audit is not None:
        for answer in reply.answers:
            audit.record(answer, "app-draft")
    markdown, word = export_files(reply, DRAFT_STEM)
    shown = to_markdown(reply).replace("\n", "  \n")  # inert already: no HTML, no links
    return shown, gr.update(value=markdown, visible=True), gr.update(value=word, visible=True)


def register_rows(rows: list[Obligation]) -> list[list[str]]:
    """The obligations table's rows."""
    return [[r.actor, r.level, r.when, r.to_whom, r.language, r.requirement,
             r.requirement_en, r.section, r.block_id] for r in rows]


def register_update(register: list[Obligation], actor: str) -> tuple[list[list[str]], str]:
    """The table and its CSV file for one actor (or all)."""
    rows = by_actor(register, None if actor == ALL_ACTORS else actor)
    path = export_folder() / "skyldigheter-obligations.csv"
    path.write_text(to_csv(rows), encoding="utf-8")
    return register_rows(rows), str(path)


def calendar_update(register: list[Obligation], city: str, year: float | None) -> str:
    """The reporting calendar for a city and year, as Markdown: in Swedish, then in English."""
    try:
        designated, chosen = DESIGNATED[city], int(year or date.today().year)
        texts = [calendar_text(city, designated, chosen, due(register, designated, chosen, lang),
                               lang) for lang in LANGUAGES]
    except (AssistantError, KeyError, ValueError) as err:
        return f"**{inert(str(err))}**"
    return inert("\n\n".join(texts)).replace("\n", "  \n")


def membership_update(assistant: Assistant, lang: str) -> str:
    """The membership path for the prospective-cities tab."""
    language: Language = "en" if lang == "en" else "sv"
    try:
        return membership_markdown(membership_path(assistant, language), language)
    except AssistantError as err:
        return f"**{inert(str(err))}**"
