"""Pure formatting of answers for the JSON contract, the terminal and the app."""

from __future__ import annotations

import html
import re
from dataclasses import asdict
from typing import Any

from assistant.core.messages import message
from assistant.core.types import Answer, Citation

LINK_SYNTAX = re.compile(r"([\[\]\\])")  # brackets make links and images; backslash escapes
# What a Markdown renderer turns into a link by itself: "https://…", "www.…", "name@host".
AUTOLINK = re.compile(r"(?<=\w)(:)(?=//)|(?<=\bwww)(\.)|(@)", re.IGNORECASE)
ESCAPED = re.compile(r"\\([\[\]\\:.@])")
SURROGATE = re.compile("[\ud800-\udfff]")


def inert(text: str) -> str:
    """Text shown as written in Markdown: HTML escaped, and no link or image syntax and no
    bare URL or address that would become a link, so a question or a passage can never run
    a script, make the browser fetch a URL or offer one to click."""
    escaped = LINK_SYNTAX.sub(r"\\\1", html.escape(text, quote=False))
    return AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)


def plain(shown: str) -> str:
    """The text that `inert` was given."""
    return html.unescape(ESCAPED.sub(r"\1", shown))


def readable(text: str) -> str:
    """Text that can be sent to the page: an unpaired surrogate (not a character, so it
    cannot be encoded) becomes U+FFFD."""
    return SURROGATE.sub("\ufffd", text)


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


def source_name(citation: Citation, language: str) -> str:
    """Where a quote comes from: "2005 Convention, Article 7.1 — <title>, p. 3" for a
    referenced instrument, "<guideline title> — <section>" for the guideline."""
    if not citation.label:
        return f"{citation.title} — {citation.section}"
    page = f", {message('format.page', language)} {citation.page}" if citation.page else ""
    return f"{citation.label} — {citation.title}{page}"


LANGUAGE_NAMES = {"sv": "language.sv", "en": "language.en"}  # a language's name, by its code


def language_name(of: str, language: str) -> str:
    """What an answer in `language` calls the language `of` ("engelska", "English")."""
    return message(LANGUAGE_NAMES[of], language)


def parallel_label(of: str, original: bool, language: str) -> str:
    """How an answer in `language` names a passage's text in the language `of` whose
    wording a question asks for: the original, or the unofficial translation."""
    key = "answer.parallel_original" if original else "answer.parallel_translation"
    return message(key, language, name=language_name(of, language))


def shows_parallel(citation: Citation) -> bool:
    """Whether a citation carries a text in the asked-for language not shown otherwise."""
    return bool(citation.parallel) and citation.parallel != citation.original


def _source_lines(citation: Citation, language: str) -> list[str]:
    lines = [f"[{citation.n}] {source_name(citation, language)}", f"    “{citation.quote}”"]
    if citation.original:
        lines.append(f"    {message('format.original', language)}: “{citation.original}”")
    if shows_parallel(citation):
        label = parallel_label(citation.parallel_language, citation.parallel_original, language)
        lines.append(f"    {label}: “{citation.parallel}”")
    return lines


def dropped_line(answer: Answer) -> str:
    """How many generated sentences were removed because the sources do not support them."""
    return message("format.dropped", answer.language, n=len(answer.dropped))


def to_text(answer: Answer) -> str:
    """A human-readable answer with its sources, for the terminal."""
    parts = [answer.notice] if answer.notice else []
    parts.append(answer.text)
    if answer.dropped:
        parts.append(f"({dropped_line(answer)})")
    if answer.citations:
        parts.append(f"\n{message('format.sources', answer.language)}:")
        for citation in answer.citations:
            parts.extend(_source_lines(citation, answer.language))
    return "\n".join(parts)


def chat_markdown(answer: Answer) -> str:
    """The chat message: notice (if any), the answer with its markers, and how many
    generated sentences were removed because the sources do not support them (never the
    sentences themselves: only checked text is shown)."""
    parts = [f"_{inert(answer.notice)}_"] if answer.notice else []
    parts.append(inert(answer.text))
    if answer.dropped:
        parts.append(f"_({dropped_line(answer)})_")
    return "\n\n".join(parts)


def sources_markdown(answer: Answer, level: int = 3) -> str:
    """The sources panel: each cited passage with document, section and any original, under
    a heading of this level."""
    if not answer.citations:
        return ""
    blocks = [f"{'#' * level} {message('format.sources', answer.language)}"]
    for c in answer.citations:
        quote = inert(c.quote).replace("\n", "  \n")
        name = inert(source_name(c, answer.language))
        block = f"**[{c.n}]** {name}\n\n> {quote}"
        if c.original:
            original = inert(c.original).replace("\n", "  \n")
            block += f"\n\n*{message('format.original', answer.language)}:*\n\n> {original}"
        if shows_parallel(c):
            label = parallel_label(c.parallel_language, c.parallel_original, answer.language)
            parallel = inert(c.parallel or "").replace("\n", "  \n")
            block += f"\n\n*{inert(label)}:*\n\n> {parallel}"
        blocks.append(block)
    return "\n\n".join(blocks)


