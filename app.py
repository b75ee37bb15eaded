"""Gradio chat for the assistant: answers with `[n]` markers and a sources panel."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from datetime import date

import gradio as gr

from assistant.core.errors import AssistantError, IndexUnavailable
from assistant.core.messages import bilingual, message
from assistant.core.settings import Settings, load_settings
from assistant.core.types import Obligation
from assistant.features.audit import AuditLog, open_audit
from assistant.features.obligations import DESIGNATED, read_register
from assistant.front.handlers import (
    ALL_ACTORS,
    CACHE_SWEEP_S,
    REGISTER_HEADERS,
    Message,
    Update,
    calendar_update,
    draft_update,
    export_answer,
    give_feedback,
    membership_update,
    register_update,
    respond,
)
from assistant.front.serve import private_files, serve, unavailable_page
from assistant.pipeline.format import (
    inert,
    readable,
)
from assistant.pipeline.llm import LLMConfig, configured_backends
from assistant.pipeline.service import Assistant, load_assistant
from assistant.storage.store import StoreConfig

log = logging.getLogger("assistant.app")
LANGUAGES = [("Auto", "auto"), ("Svenska", "sv"), ("English", "en")]
EXAMPLES = {  # each group's key in the message catalogue, and its example questions
    "app.examples.city_staff": [
        "Hur ofta rapporterar en kreativ stad till Unesco?",
        "What must a creative city report to the Swedish National Commission, and when?",
    ],
    "app.examples.prospective": [
        "Who assesses applications from Swedish cities to join the network?",
        "Uppmuntrar Svenska Unescorådet fler städer att ansöka om medlemskap?",
    ],
    "app.examples.council": [
        "Vad ska Svenska Unescorådet göra enligt riktlinjerna?",
        "Where does the money for the network come from?",
    ],
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
NAME = message("app.name", "sv")
LOGIN_MESSAGE = f"{bilingual('app.log_in')}: {NAME}"
TITLE = message("app.title", "sv", name=NAME)


def example_label(key: str) -> str:
    """An example group's label, English first ("City staff / Stadens personal")."""
    return f"{message(key, 'en')} / {message(key, 'sv')}"


def _chat_tab(assistants: dict[str, Assistant], default: str, audit: AuditLog | None) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="chat", label=bilingual("app.chat.label"), height=460)
            question = gr.Textbox(elem_id="question", label=bilingual("app.chat.question"),
                                  placeholder=message("app.chat.placeholder", "sv"))
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
            sources = gr.Markdown(elem_id="sources", label=bilingual("format.sources"))
    last = gr.State(None)
    bounds = assistants[default].bounds

    def handler(q: str, h: list[Message], lang_value: str, backend_value: str
                ) -> Iterator[Update]:
        if backend_value not in assistants:
            unknown = bilingual("app.chat.unknown_backend", name=repr(backend_value),
                                choices=", ".join(assistants))
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
        gr.Markdown(f"## {bilingual('app.heading', between=' · ')}\n"
                    f"{bilingual('app.intro', between=' ')}")
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
    llm = LLMConfig.from_settings(settings)
    base = load_assistant(settings.index_dir, settings.embedder, settings.backend,
                          settings.top_k, llm, StoreConfig.from_settings(settings),
                          settings.bounds())
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
