"""Gradio chat for the assistant: answers with `[n]` markers and a sources panel."""

from __future__ import annotations

import html
import logging
import sys
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.format import chat_markdown, sources_markdown
from assistant.service import Assistant, load_assistant
from assistant.settings import Settings

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
FAILED = ("Something went wrong while answering; please try again. If it keeps happening, "
          "run `assistant ask` in a terminal to see the error.")
Message = dict[str, Any]


def respond(assistant: Assistant, question: str, history: list[Message], lang: str
            ) -> tuple[list[Message], str, str]:
    """Answer one chat turn: (new history, sources panel, cleared textbox)."""
    history = [*history, {"role": "user", "content": html.escape(question)}]
    try:
        answer = assistant.ask(question, lang)
    except AssistantError as err:
        return [*history, {"role": "assistant", "content": str(err)}], "", question
    except Exception:  # the page never shows a stack trace; the log keeps it
        log.exception("answering %r failed", question)
        return [*history, {"role": "assistant", "content": FAILED}], "", question
    reply = {"role": "assistant", "content": chat_markdown(answer)}
    return [*history, reply], sources_markdown(answer), ""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Gradio page: chat, language choice, examples, sources panel."""
    with gr.Blocks(title="Unescos kreativa städer i Sverige — assistent") as demo:
        gr.Markdown("## Riktlinjer för Unescos kreativa städer i Sverige · "
                    "Guidelines for UNESCO Creative Cities in Sweden\nAsk in Swedish or "
                    "English; every answer cites the guideline passage it comes from.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="chat", label="Chat", height=460)
                question = gr.Textbox(elem_id="question", label="Fråga / Question",
                                      placeholder="Hur ofta ska de kreativa städerna rapportera?")
                with gr.Row():
                    ask = gr.Button("Fråga / Ask", variant="primary", elem_id="ask")
                    lang = gr.Radio(LANGUAGES, value="auto", label="Svarsspråk / Language")
                for label, examples in EXAMPLES.items():
                    gr.Examples(examples, inputs=[question], label=label)
            with gr.Column(scale=2):
                sources = gr.Markdown(elem_id="sources", label="Sources")

        def handler(q: str, h: list[Message], lang_value: str) -> tuple[Any, ...]:
            return respond(assistant, q, h, lang_value)

        gr.on([question.submit, ask.click], handler, [question, chat, lang],
              [chat, sources, question], api_name="ask")
    return demo


def main() -> int:
    """Start the app on the configured host and port."""
    logging.basicConfig(level=logging.INFO)
    settings = Settings()
    try:
        assistant = load_assistant(settings.index_dir, settings.embedder, settings.backend,
                                   settings.top_k)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return 2
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=1).launch(
        server_name=settings.host, server_port=settings.port, show_error=False
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
