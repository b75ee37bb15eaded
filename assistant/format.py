"""Pure formatting of answers for the JSON contract, the terminal and the app."""

from __future__ import annotations

import html
from dataclasses import asdict
from typing import Any

from assistant.types import Answer, Citation

SOURCES = {"sv": "Källor", "en": "Sources"}
ORIGINAL = {"sv": "Original (svenska)", "en": "Swedish original"}
DROPPED = {"sv": "{n} meningar som källorna inte stöder togs bort",
           "en": "{n} sentences the sources do not support were removed"}
STRUCK = {"sv": "Struket – källorna stöder inte detta:",
          "en": "Struck out – the sources do not support this:"}


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
    if answer.verification is not None:
        out["verification"] = asdict(answer.verification)
    return out


PAGE = {"sv": "s.", "en": "p."}


def source_name(citation: Citation, language: str) -> str:
    """Where a quote comes from: "2005 Convention, Article 7.1 — <title>, p. 3" for a
    referenced instrument, "<guideline title> — <section>" for the guideline."""
    if not citation.label:
        return f"{citation.title} — {citation.section}"
    page = f", {PAGE[language]} {citation.page}" if citation.page else ""
    return f"{citation.label} — {citation.title}{page}"


def _source_lines(citation: Citation, language: str) -> list[str]:
    lines = [f"[{citation.n}] {source_name(citation, language)}", f"    “{citation.quote}”"]
    if citation.original:
        lines.append(f"    {ORIGINAL[language]}: “{citation.original}”")
    return lines


def to_text(answer: Answer) -> str:
    """A human-readable answer with its sources, for the terminal."""
    parts = [answer.notice] if answer.notice else []
    parts.append(answer.text)
    if answer.dropped:
        parts.append(f"({DROPPED[answer.language].format(n=len(answer.dropped))})")
    if answer.citations:
        parts.append(f"\n{SOURCES[answer.language]}:")
        for citation in answer.citations:
            parts.extend(_source_lines(citation, answer.language))
    return "\n".join(parts)


def chat_markdown(answer: Answer) -> str:
    """The chat message: notice (if any), the answer with its markers, and the generated
    sentences the sources did not support, struck through."""
    parts = [f"_{html.escape(answer.notice)}_"] if answer.notice else []
    parts.append(html.escape(answer.text, quote=False))
    if answer.dropped:
        struck = "\n".join(f"- ~~{html.escape(s, quote=False)}~~" for s in answer.dropped)
        parts.append(f"_{STRUCK[answer.language]}_\n{struck}")
    return "\n\n".join(parts)


def sources_markdown(answer: Answer) -> str:
    """The sources panel: each cited passage with document, section and any original."""
    if not answer.citations:
        return ""
    blocks = [f"### {SOURCES[answer.language]}"]
    for c in answer.citations:
        quote = html.escape(c.quote).replace("\n", "  \n")
        name = html.escape(source_name(c, answer.language))
        block = f"**[{c.n}]** {name}\n\n> {quote}"
        if c.original:
            original = html.escape(c.original).replace("\n", "  \n")
            block += f"\n\n*{ORIGINAL[answer.language]}:*\n\n> {original}"
        blocks.append(block)
    return "\n\n".join(blocks)
