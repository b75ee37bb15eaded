"""Gradio chat for the assistant: answers with `[n]` markers and a sources panel."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.audit import AuditLog, open_audit
from assistant.bounds import Bounds, printable
from assistant.draft import draft_reply
from assistant.errors import AssistantError, IndexUnavailable
from assistant.export import from_answer, to_markdown, write_exports
from assistant.format import (
    chat_markdown,
    inert,
    plain,
    readable,
    sources_markdown,
)
from assistant.generate import Turn
from assistant.llm import configured_backends
from assistant.membership import membership_markdown, membership_path
from assistant.messages import bilingual, message
from assistant.obligations import DESIGNATED, by_actor, calendar_text, due, read_register, to_csv
from assistant.serve import private_files, serve, unavailable_page
from assistant.service import Assistant, load_assistant
from assistant.settings import Settings, load_settings
from assistant.types import Answer, Language, Obligation, Reply

log = logging.getLogger("assistant.app")
LANGUAGES = [("Auto", "auto"), ("Svenska", "sv"), ("English", "en")]
EXAMPLES = {  # each group's key in the message catalogue, and its example questions
    "app.examples.city_staff": [
        "Hur ofta ska de kreativa städerna rapportera till Unesco?",
        "What must a creative city report to the Swedish National Commission, and when?",
    ],
    "app.examples.prospective": [
        "Who assesses applications from Swedish cities to join the network?",
        "Uppmuntrar Svenska Unescorådet fler städer att ansöka om medlemskap?",
    ],
    "app.examples.council": [
        "Vad ska Svenska Unescorådet göra enligt riktlinjerna?",
        "How is the network funded?",
    ],
}
CHECKING = bilingual("app.chat.checking")
FAILED = ("Something went wrong while answering; please try again. If it keeps happening, "
          "run `assistant ask` in a terminal to see the error.")
Message = dict[str, Any]
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LOGIN_MESSAGE = f"{bilingual('app.log_in')}: Unescos kreativa städer i Sverige"
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
CACHE_SWEEP_S = 3600  # Gradio deletes served exports older than this, this often
_EXPORTS = tempfile.TemporaryDirectory(prefix="kreativa-exports-")  # removed at exit
DRAFT_STEM = "svarsutkast-draft-reply"
TITLE = "Unescos kreativa städer i Sverige — assistent"
DEFAULT_BOUNDS = Bounds()


@dataclass(frozen=True)
class Shown:
    """The answer last shown in the chat, and its id in the audit log (for feedback)."""

    answer: Answer
    audit_id: str = ""


# chat history, sources panel, question box, the answer once it is checked
Update = tuple[list[Message], str, str, Shown | None]


def example_label(key: str) -> str:
    """An example group's label, English first ("City staff / Stadens personal")."""
    return f"{message(key, 'en')} / {message(key, 'sv')}"


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
    """The reporting calendar for a city and year, as Markdown."""
    try:
        designated, chosen = DESIGNATED[city], int(year or date.today().year)
        text = calendar_text(city, designated, chosen, due(register, designated, chosen))
    except (AssistantError, KeyError, ValueError) as err:
        return f"**{inert(str(err))}**"
    return inert(text).replace("\n", "  \n")


def membership_update(assistant: Assistant, lang: str) -> str:
    """The membership path for the prospective-cities tab."""
    language: Language = "en" if lang == "en" else "sv"
    try:
        return membership_markdown(membership_path(assistant, language), language)
    except AssistantError as err:
        return f"**{inert(str(err))}**"


def _chat_tab(assistants: dict[str, Assistant], default: str, audit: AuditLog | None) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="chat", label="Chat", height=460)
            question = gr.Textbox(elem_id="question", label=bilingual("app.chat.question"),
                                  placeholder="Hur ofta ska de kreativa städerna rapportera?")
            with gr.Row():
                ask = gr.Button(bilingual("app.chat.ask"), variant="primary", elem_id="ask")
                lang = gr.Radio(LANGUAGES, value="auto", label=bilingual("app.answer_language"))
                backend = gr.Radio(list(assistants), value=default, elem_id="backend",
                                   label=bilingual("app.chat.backend"),
                                   visible=len(assistants) > 1)
            with gr.Row():
                helpful = gr.Button(bilingual("app.chat.helpful"), elem_id="helpful",
                                    size="sm")
                unhelpful = gr.Button(bilingual("app.chat.not_helpful"), elem_id="unhelpful",
                                      size="sm")
                comment = gr.Textbox(elem_id="comment", show_label=False, scale=2,
                                     placeholder=bilingual("app.chat.comment"))
            thanks = gr.Markdown(elem_id="feedback-status")
            with gr.Row():
                export = gr.Button(bilingual("app.chat.export"), size="sm",
                                   elem_id="answer-export")
                answer_md = gr.DownloadButton(".md", elem_id="answer-md", visible=False,
                                              size="sm")
                answer_docx = gr.DownloadButton(".docx", elem_id="answer-docx", visible=False,
                                                size="sm")
            for key, examples in EXAMPLES.items():
                gr.Examples(examples, inputs=[question], label=example_label(key))
        with gr.Column(scale=2):
            sources = gr.Markdown(elem_id="sources", label="Sources")
    last = gr.State(None)
    bounds = assistants[default].bounds

    def handler(q: str, h: list[Message], lang_value: str, backend_value: str
                ) -> Iterator[Update]:
        if backend_value not in assistants:
            unknown = f"Unknown backend {backend_value!r}; use one of: {', '.join(assistants)}."
            yield [*h, {"role": "assistant", "content": inert(unknown)}], "", readable(q), None
            return
        yield from respond(assistants[backend_value], q, h, lang_value, audit)

    hidden = (gr.update(visible=False), gr.update(visible=False))
    asked = [question.submit, ask.click]
    # The last answer's export is stale once a new question is asked: hidden at once (not
    # after the new answer has streamed), and again after it, in case Export was pressed
    # while it streamed.
    gr.on(asked, lambda: hidden, None, [answer_md, answer_docx], queue=False,
          api_visibility="private", show_progress="hidden")
    gr.on(asked, handler, [question, chat, lang, backend], [chat, sources, question, last],
          api_name="ask").then(lambda: hidden, None, [answer_md, answer_docx])
    export.click(export_answer, [last], [answer_md, answer_docx, thanks])
    helpful.click(lambda s, c: give_feedback(audit, s, True, c, bounds), [last, comment],
                  [thanks, comment],
                  api_name="feedback_helpful")
    unhelpful.click(lambda s, c: give_feedback(audit, s, False, c, bounds), [last, comment],
                    [thanks, comment],
                    api_name="feedback_unhelpful")


def _obligations_tab(register: list[Obligation]) -> None:
    gr.Markdown(bilingual("app.obligations.intro", between=" "))
    actors = [ALL_ACTORS, *sorted({r.actor for r in register})]
    actor = gr.Dropdown(actors, value=ALL_ACTORS, label=bilingual("app.obligations.actor"),
                        elem_id="actor")
    rows, csv_path = register_update(register, ALL_ACTORS)
    table = gr.Dataframe(rows, headers=REGISTER_HEADERS, elem_id="register", wrap=True,
                         interactive=False)
    csv_file = gr.DownloadButton("CSV", value=csv_path, elem_id="register-csv", size="sm")
    actor.change(lambda a: register_update(register, a), [actor], [table, csv_file])
    gr.Markdown(f"### {bilingual('app.obligations.calendar')}")
    with gr.Row():
        city = gr.Dropdown(sorted(DESIGNATED), value="Östersund",
                           label=bilingual("app.obligations.city"), elem_id="city")
        year = gr.Number(date.today().year, precision=0, label=bilingual("app.obligations.year"),
                         elem_id="year", minimum=2000, maximum=2100)
        show = gr.Button(bilingual("app.show"), elem_id="calendar-show")
    calendar = gr.Markdown(calendar_update(register, "Östersund", date.today().year),
                           elem_id="calendar")
    gr.on([show.click, city.change], lambda c, y: calendar_update(register, c, y),
          [city, year], [calendar])


def _membership_tab(assistant: Assistant) -> None:
    gr.Markdown(bilingual("app.membership.intro", between=" "))
    with gr.Row():
        lang = gr.Radio(LANGUAGES[1:], value="sv", label=bilingual("app.membership.language"),
                        elem_id="membership-lang")
        show = gr.Button(bilingual("app.show"), variant="primary", elem_id="membership-show")
    path = gr.Markdown(elem_id="membership")
    show.click(lambda lg: membership_update(assistant, lg), [lang], [path],
               api_name="membership")


def _draft_tab(assistant: Assistant, audit: AuditLog | None) -> None:
    gr.Markdown(bilingual("app.draft.intro", between=" "))
    email = gr.Textbox(lines=8, label=bilingual("app.draft.email"), elem_id="email")
    with gr.Row():
        lang = gr.Radio(LANGUAGES, value="auto", label=bilingual("app.answer_language"),
                        elem_id="draft-lang")
        write = gr.Button(bilingual("app.draft.write"), variant="primary", elem_id="draft")
    draft = gr.Markdown(elem_id="draft-text")
    with gr.Row():
        draft_md = gr.DownloadButton(".md", elem_id="draft-md", visible=False, size="sm")
        draft_docx = gr.DownloadButton(".docx", elem_id="draft-docx", visible=False, size="sm")
    write.click(lambda e, lg: draft_update(assistant, e, lg, audit), [email, lang],
                [draft, draft_md, draft_docx], api_name="draft")


def build_app(assistants: dict[str, Assistant], default: str = "extractive",
              audit: AuditLog | None = None,
              register: list[Obligation] | None = None) -> gr.Blocks:
    """The Gradio page: a tab per user group (the chat for everyone; obligations and the
    reporting calendar for city staff; the membership path for prospective cities; draft
    replies for Council staff)."""
    assistant = assistants[default]
    if register is None:
        register = read_register(assistant.retriever.index.folder)
    with gr.Blocks(title=TITLE, delete_cache=(CACHE_SWEEP_S, CACHE_SWEEP_S),
                   analytics_enabled=False) as demo:
        gr.Markdown(f"## {bilingual('app.heading', between=' · ')}\nAsk in Swedish or "
                    "English; every answer cites the passage it comes from: the guideline "
                    "first, then the conventions it refers to, then (marked as such) the "
                    "supplement of later, dated facts.")
        with gr.Tabs():
            with gr.Tab(bilingual("app.tab.ask"), id="ask-tab"):
                _chat_tab(assistants, default, audit)
            with gr.Tab(bilingual("app.tab.obligations"), id="obligations-tab"):
                _obligations_tab(register)
            with gr.Tab(bilingual("app.tab.membership"), id="membership-tab"):
                _membership_tab(assistant)
            with gr.Tab(bilingual("app.tab.draft"), id="draft-tab"):
                _draft_tab(assistant, audit)
    return demo


def load_backends(settings: Settings) -> dict[str, Assistant]:
    """One assistant per configured backend, sharing the index; the configured default
    must work (its error says what to fix), the others are offered when they can run."""
    llm = settings.llm_config()
    base = load_assistant(settings.index_dir, settings.embedder, settings.backend,
                          settings.top_k, llm, settings.store_config(), settings.bounds())
    assistants: dict[str, Assistant] = {settings.backend: base}
    for name in configured_backends(llm):
        if name not in assistants:
            assistants[name] = base.with_backend(name, llm)
    return assistants


def page(settings: Settings) -> gr.Blocks:
    """The app's page, or the page that says why the index cannot be used (an error about
    anything else stops the app: it is the operator's to fix before starting)."""
    try:
        assistants = load_backends(settings)
    except IndexUnavailable as err:
        print(f"assistant: {err}", file=sys.stderr, flush=True)
        return unavailable_page(str(err), TITLE)
    return build_app(assistants, settings.backend, open_audit(settings.audit_path))


def main() -> int:
    """Start the app on the configured host and port."""
    logging.basicConfig(level=logging.INFO)
    try:
        settings = load_settings()
        login = settings.login()
        with private_files(settings.temp_dir):
            demo = page(settings)
            if login is None and settings.host not in LOOPBACK:
                log.warning("the app listens on %s without a login; set ASSISTANT_USERNAME and "
                            "ASSISTANT_PASSWORD for a shared deployment", settings.host)
            demo.queue(default_concurrency_limit=settings.concurrency,
                       max_size=settings.queue_size)
            serve(demo, settings, login, LOGIN_MESSAGE)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
