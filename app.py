"""Gradio chat for the assistant: answers with `[n]` markers and a sources panel."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.audit import AuditLog, open_audit
from assistant.errors import AssistantError
from assistant.format import chat_markdown, inert, plain, sources_markdown
from assistant.generate import Turn
from assistant.llm import configured_backends
from assistant.service import Assistant, load_assistant
from assistant.settings import Settings, load_settings

log = logging.getLogger("assistant.app")
LANGUAGES = [("Auto", "auto"), ("Svenska", "sv"), ("English", "en")]
EXAMPLES = {
    "City staff / Stadens personal": [
        "Hur ofta ska de kreativa städerna rapportera till Unesco?",
        "What must a creative city report to the Swedish National Commission, and when?",
    ],
    "Prospective cities / Blivande kreativa städer": [
        "Who assesses applications from Swedish cities to join the network?",
        "Uppmuntrar Svenska Unescorådet fler städer att ansöka om medlemskap?",
    ],
    "Council staff / Unescorådets kansli": [
        "Vad ska Svenska Unescorådet göra enligt riktlinjerna?",
        "How is the network funded?",
    ],
}
DRAFTING = "Writing, then checking every sentence against the sources…"
FAILED = ("Something went wrong while answering; please try again. If it keeps happening, "
          "run `assistant ask` in a terminal to see the error.")
Message = dict[str, Any]
LOOPBACK = ("127.0.0.1", "localhost", "::1")
LOGIN_MESSAGE = "Logga in / Log in: Unescos kreativa städer i Sverige"


Update = tuple[list[Message], str, str]  # chat history, sources panel, question box


def turns(history: list[Message]) -> list[Turn]:
    """(question, answer) pairs of the chat so far, for follow-up questions."""
    asked = [plain(str(m["content"])) for m in history if m["role"] == "user"]
    replies = [str(m["content"]) for m in history if m["role"] == "assistant"]
    return list(zip(asked, replies, strict=False))


def respond(assistant: Assistant, question: str, history: list[Message], lang: str,
            audit: AuditLog | None = None) -> Iterator[Update]:
    """Answer one chat turn, showing the draft while a language model writes it, then the
    checked answer: (new history, sources panel, question box)."""
    shown = [*history, {"role": "user", "content": inert(question)}]
    draft = ""
    try:
        for event in assistant.stream(question, lang, history=turns(history)):
            if isinstance(event, str):
                draft += event
                content = f"_{DRAFTING}_\n\n{inert(draft)}"
                yield [*shown, {"role": "assistant", "content": content}], "", ""
            else:
                if audit is not None:
                    audit.record(event, "app")
                reply = {"role": "assistant", "content": chat_markdown(event)}
                yield [*shown, reply], sources_markdown(event), ""
    except AssistantError as err:
        yield [*shown, {"role": "assistant", "content": str(err)}], "", question
    except Exception:  # the page never shows a stack trace; the log keeps it
        log.exception("answering %r failed", question)
        yield [*shown, {"role": "assistant", "content": FAILED}], "", question


def build_app(assistants: dict[str, Assistant], default: str = "extractive",
              audit: AuditLog | None = None) -> gr.Blocks:
    """The Gradio page: chat, language and backend choice, examples, sources panel."""
    with gr.Blocks(title="Unescos kreativa städer i Sverige — assistent") as demo:
        gr.Markdown("## Riktlinjer för Unescos kreativa städer i Sverige · "
                    "Guidelines for UNESCO Creative Cities in Sweden\nAsk in Swedish or "
                    "English; every answer cites the passage it comes from: the guideline "
                    "first, then the conventions it refers to.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", label="Chat", height=460)
                question = gr.Textbox(elem_id="question", label="Fråga / Question",
                                      placeholder="Hur ofta ska de kreativa städerna rapportera?")
                with gr.Row():
                    ask = gr.Button("Fråga / Ask", variant="primary", elem_id="ask")
                    lang = gr.Radio(LANGUAGES, value="auto", label="Svarsspråk / Language")
                    backend = gr.Radio(list(assistants), value=default, elem_id="backend",
                                       label="Svar / Answers", visible=len(assistants) > 1)
                for label, examples in EXAMPLES.items():
                    gr.Examples(examples, inputs=[question], label=label)
            with gr.Column(scale=2):
                sources = gr.Markdown(elem_id="sources", label="Sources")

        def handler(q: str, h: list[Message], lang_value: str, backend_value: str
                    ) -> Iterator[Update]:
            yield from respond(assistants[backend_value], q, h, lang_value, audit)

        gr.on([question.submit, ask.click], handler, [question, chat, lang, backend],
              [chat, sources, question], api_name="ask")
    return demo


def load_backends(settings: Settings) -> dict[str, Assistant]:
    """One assistant per configured backend, sharing the index; the configured default
    must work (its error says what to fix), the others are offered when they can run."""
    llm = settings.llm_config()
    base = load_assistant(settings.index_dir, settings.embedder, settings.backend,
                          settings.top_k, llm, settings.store_config())
    assistants: dict[str, Assistant] = {settings.backend: base}
    for name in configured_backends(llm):
        if name not in assistants:
            assistants[name] = base.with_backend(name, llm)
    return assistants


def main() -> int:
    """Start the app on the configured host and port."""
    logging.basicConfig(level=logging.INFO)
    try:
        settings = load_settings()
        login = settings.login()
        assistants = load_backends(settings)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 2
    if login is None and settings.host not in LOOPBACK:
        log.warning("the app listens on %s without a login; set ASSISTANT_USERNAME and "
                    "ASSISTANT_PASSWORD for a shared deployment", settings.host)
    demo = build_app(assistants, settings.backend, open_audit(settings.audit_path))
    demo.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    demo.launch(server_name=settings.host, server_port=settings.port, show_error=False,
                auth=login, auth_message=LOGIN_MESSAGE,
                max_file_size=0)  # the app takes no files: Gradio's upload route refuses all
    return 0


if __name__ == "__main__":
    sys.exit(main())
