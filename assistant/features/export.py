"""Export a drafted reply or an answer as Markdown, or as a Word document (.docx, via
python-docx) with the citations as a numbered source list at the end."""

from __future__ import annotations

import io
import re
from pathlib import Path

from assistant.core.messages import message
from assistant.core.types import Answer, Reply
from assistant.pipeline.format import inert, parallel_label, shows_parallel, source_name

# **bold**, *italic* and _italic_ runs (an emphasis opens before a non-space, so "5 * 3"
# stays text, and an underscore inside a word or a URL stays too).
_INLINE = re.compile(r"(\*\*[^*\s][^*]*\*\*|\*[^*\s][^*]*\*|(?<!\w)_[^_\s][^_]*_(?!\w))")
_BULLET = re.compile(r"^( *)[-*] +(.*)$")
# A citation marker made inert, which is safe to keep as written: "\[2\]" -> "[2]" (not when
# it could start a link, "[2](…)", or a link definition, "[2]: …").
_MARKER = re.compile(r"\\\[(\d+)\\\](?![(:\[])")


def from_answer(answer: Answer) -> Reply:
    """An answer as a reply: the question as its title, the answer and its sources."""
    body = f"_{answer.notice}_\n\n{answer.text}" if answer.notice else answer.text
    return Reply(answer.language, answer.question, body, answer.citations, (answer.question,))


def source_list(reply: Reply) -> list[str]:
    """One entry per citation: number, document and place, the quote, its original, and its
    text in the language whose wording was asked for."""
    entries = []
    for c in reply.citations:
        entry = f"[{c.n}] {source_name(c, reply.language)}: “{c.quote}”"
        if c.original:
            entry += f" ({message('format.original', reply.language)}: “{c.original}”)"
        if shows_parallel(c):
            label = parallel_label(c.parallel_language, c.parallel_original, reply.language)
            entry += f" ({label}: “{c.parallel}”)"
        entries.append(entry)
    return entries


def _inert(text: str) -> str:
    """Text with no live HTML, link, image or bare URL (what a question or an email brings),
    its citation markers kept as written."""
    return _MARKER.sub(r"[\1]", inert(text))


def to_markdown(reply: Reply) -> str:
    """The reply as a Markdown document, the sources numbered at the end; whatever the
    question, the email or a passage holds is text: no HTML, no link, nothing to run."""
    parts = [f"# {_inert(reply.title)}", _inert(reply.body)]
    if reply.citations:
        parts.append(f"## {message('format.sources', reply.language)}")
        parts.append("\n".join(f"{_inert(entry)}  " for entry in source_list(reply)))
    return "\n\n".join(parts) + "\n"


def _runs(paragraph: object, text: str) -> None:
    for part in _INLINE.split(text):
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            paragraph.add_run(part[2:-2]).bold = True  # type: ignore[attr-defined]
        elif _INLINE.fullmatch(part):
            paragraph.add_run(part[1:-1]).italic = True  # type: ignore[attr-defined]
        elif part:
            paragraph.add_run(part)  # type: ignore[attr-defined]


def to_docx(reply: Reply) -> bytes:
    """The reply as a .docx: title, paragraphs and bullets, then the numbered sources."""
    from docx import Document

    document = Document()
    document.add_heading(reply.title, level=1)
    for block in reply.body.split("\n\n"):
        for line in block.splitlines():
            bullet = _BULLET.match(line)
            if bullet:
                style = "List Bullet 2" if bullet.group(1) else "List Bullet"
                _runs(document.add_paragraph(style=style), bullet.group(2))
            elif line.strip():
                _runs(document.add_paragraph(), line.strip())
    if reply.citations:
        document.add_heading(message("format.sources", reply.language), level=2)
        for entry in source_list(reply):
            document.add_paragraph(entry)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_exports(reply: Reply, folder: Path, stem: str) -> tuple[Path, Path]:
    """Write `<stem>.md` and `<stem>.docx` into a folder (a `.md` or `.docx` ending on the
    stem is dropped); returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"\.(?:md|docx)$", "", stem, flags=re.IGNORECASE)
    markdown, word = folder / f"{stem}.md", folder / f"{stem}.docx"
    markdown.write_text(to_markdown(reply), encoding="utf-8")
    word.write_bytes(to_docx(reply))
    return markdown, word
