"""Pure formatting of answers for the JSON contract, the terminal and the app."""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from assistant.types import Answer, Citation

SOURCES = {"sv": "Källor", "en": "Sources"}
ORIGINAL = {"sv": "Original (svenska)", "en": "Swedish original"}


def to_json(answer: Answer) -> dict[str, Any]:
    """The `assistant ask --json` object."""
    out: dict[str, Any] = {
        "question": answer.question,
        "language": answer.language,
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [asdict(c) for c in answer.citations],
        "backend": answer.backend,
        "timings_ms": answer.timings_ms,
    }
    if answer.notice:
        out["notice"] = answer.notice
    return out


def _source_lines(citation: Citation, language: str) -> list[str]:
    lines = [f"[{citation.n}] {citation.title} — {citation.section}", f"    “{citation.quote}”"]
    if citation.original:
        lines.append(f"    {ORIGINAL[language]}: “{citation.original}”")
    return lines


def to_text(answer: Answer) -> str:
    """A human-readable answer with its sources, for the terminal."""
    parts = [answer.notice] if answer.notice else []
    parts.append(answer.text)
    if answer.citations:
        parts.append(f"\n{SOURCES[answer.language]}:")
        for citation in answer.citations:
            parts.extend(_source_lines(citation, answer.language))
    return "\n".join(parts)


def chat_markdown(answer: Answer) -> str:
    """The chat message: notice (if any) and the answer with its markers."""
    text = html.escape(answer.text, quote=False)
    return f"_{html.escape(answer.notice)}_\n\n{text}" if answer.notice else text


def sources_markdown(answer: Answer) -> str:
    """The sources panel: each cited passage with document, section and any original."""
    if not answer.citations:
        return ""
    blocks = [f"### {SOURCES[answer.language]}"]
    for c in answer.citations:
        quote = html.escape(c.quote).replace("\n", "  \n")
        block = f"**[{c.n}] {html.escape(c.title)}** — {html.escape(c.section)}\n\n> {quote}"
        if c.original:
            original = html.escape(c.original).replace("\n", "  \n")
            block += f"\n\n*{ORIGINAL[answer.language]}:*\n\n> {original}"
        blocks.append(block)
    return "\n\n".join(blocks)
