"""Loaders: a source file on disk -> a `Document` with structured blocks.

Markdown files follow the corpus convention (YAML front matter, `## Heading {#id}`,
paragraphs and `- bullets` ending in `{#id}`, `[^n]` footnotes). Plain text files are
split into paragraphs at blank lines. New formats register a loader in `LOADERS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from assistant.core.errors import AssistantError
from assistant.core.messages import LANGUAGES, message
from assistant.core.types import GUIDELINE, SUPPLEMENT, Block, BlockKind, Document

_ID = re.compile(r"\s*\{#([\w.:-]+)\}\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_FOOTNOTE_DEF = re.compile(r"^\[\^(\w+)\]:\s*(.*)$")
_FOOTNOTE_REF = re.compile(r"\[\^(\w+)\]")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")


def split_id(line: str) -> tuple[str, str | None]:
    """Split a trailing `{#id}` off a line."""
    match = _ID.search(line)
    if not match:
        return line.strip(), None
    return line[: match.start()].strip(), match.group(1)


def split_front_matter(raw: str) -> tuple[dict[str, str], str]:
    """Return the YAML front matter (or {}) and the body of a Markdown file."""
    if not raw.startswith("---"):
        return {}, raw
    _, head, body = raw.split("---", 2)
    meta = yaml.safe_load(head) or {}
    return {str(k): str(v) for k, v in meta.items()}, body


def paragraphs(body: str) -> Iterator[list[str]]:
    """Yield groups of consecutive non-blank lines (bullets each start a new group)."""
    group: list[str] = []
    for line in body.splitlines():
        starts_item = bool(_BULLET.match(line)) and not line.startswith(" ")
        if not line.strip() or (starts_item and group and not _FOOTNOTE_DEF.match(group[0])):
            if group:
                yield group
            group = [line] if line.strip() else []
        else:
            group.append(line)
    if group:
        yield group


@dataclass
class _State:
    language: str
    headings: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    lead_in: str = ""
    footnote_ids: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def next_id(self, given: str | None) -> str:
        self.counter += 1
        return given or f"p{self.counter}"


def _heading(state: _State, level: int, text: str) -> None:
    title, _ = split_id(text)
    if level == 1:
        return
    del state.headings[level - 2 :]
    state.headings.append(title)
    state.lead_in = ""


def _footnote(state: _State, label: str, lines: list[str]) -> None:
    first = _FOOTNOTE_DEF.match(lines[0])
    assert first is not None
    head, block_id = split_id(first.group(2))
    items = [split_id(m.group(1))[0] for ln in lines[1:] if (m := _BULLET.match(ln))]
    text = "\n".join(f"• {item}" for item in items) if items else head
    block_id = state.next_id(block_id)
    state.footnote_ids[label] = block_id
    language = state.language if state.language in LANGUAGES else "en"
    name = f"{message('ingest.footnote', language)} {label}"
    path = (*state.headings, name)
    state.blocks.append(Block(block_id, text, path, kind="footnote"))


def _text_block(state: _State, lines: list[str]) -> None:
    bullet = _BULLET.match(lines[0])
    first = bullet.group(1) if bullet else lines[0]
    text, block_id = split_id(" ".join(ln.strip() for ln in [first, *lines[1:]]))
    refs = tuple(_FOOTNOTE_REF.findall(text))
    text = _FOOTNOTE_REF.sub("", text)
    kind: BlockKind = "bullet" if bullet else "paragraph"
    lead_in = state.lead_in if bullet else ""
    block = Block(state.next_id(block_id), text, tuple(state.headings), kind, lead_in, refs)
    state.blocks.append(block)
    if not bullet:
        state.lead_in = text if text.endswith(":") else ""


def _resolve_footnotes(state: _State) -> tuple[Block, ...]:
    resolved = []
    for block in state.blocks:
        ids = tuple(state.footnote_ids.get(ref, ref) for ref in block.footnotes)
        resolved.append(Block(block.block_id, block.text, block.heading_path, block.kind,
                              block.lead_in, ids))
    return tuple(resolved)


def parse_markdown(raw: str, source: str = "") -> Document:
    """Parse corpus-convention Markdown into a Document."""
    meta, body = split_front_matter(raw)
    state = _State(language=meta.get("language", "sv"))
    for lines in paragraphs(body):
        heading = _HEADING.match(lines[0])
        footnote = _FOOTNOTE_DEF.match(lines[0])
        if heading:
            _heading(state, len(heading.group(1)), heading.group(2))
        elif footnote:
            _footnote(state, footnote.group(1), lines)
        else:
            _text_block(state, lines)
    blocks = _resolve_footnotes(state)
    if meta.get("kind") == SUPPLEMENT:  # each line is cited by its section, never as the guideline
        blocks = tuple(replace(b, label=b.heading_path[-1] if b.heading_path else "")
                       for b in blocks)
    return _document(meta, blocks, source)


def _authority(meta: dict[str, str]) -> int:
    raw, name = meta.get("authority", "1"), meta.get("doc_id", "a document")
    fix = "use 1 for the guideline and a larger number for what ranks below it"
    try:
        authority = int(raw)
    except ValueError as err:
        raise AssistantError(f"authority: {raw!r} in {name}'s front matter is not a whole "
                             f"number; {fix}.") from err
    if authority == 1 and meta.get("kind", GUIDELINE) != GUIDELINE:
        raise AssistantError(f"{name} is a {meta['kind']} but has authority 1, which only the "
                             f"guideline has; {fix}.")
    return authority


def _document(meta: dict[str, str], blocks: tuple[Block, ...], source: str) -> Document:
    stem = Path(source).stem or "document"
    return Document(
        doc_id=meta.get("doc_id", stem),
        title=meta.get("title", stem),
        language=meta.get("language", "sv"),
        kind=meta.get("kind", "document"),
        blocks=blocks,
        publisher=meta.get("publisher", ""),
        period=meta.get("period", ""),
        translation_of=meta.get("translation_of"),
        source_path=source,
        short=meta.get("short", ""),
        date=meta.get("date", meta.get("period", "")),
        authority=_authority(meta),
        url=meta.get("url", ""),
    )


def load_markdown(path: Path) -> Document:
    """Load a Markdown source file."""
    return parse_markdown(read_text(path), str(path))


def load_text(path: Path) -> Document:
    """Load a plain-text file: one block per blank-line-separated paragraph."""
    meta = {"doc_id": path.stem, "title": path.stem, "language": "en"}
    blocks = tuple(
        Block(f"p{i}", " ".join(ln.strip() for ln in lines), (path.stem,))
        for i, lines in enumerate(paragraphs(read_text(path)), start=1)
    )
    return _document(meta, blocks, str(path))


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, with a clear error when it is not text."""
    try:
        return path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as err:
        raise AssistantError(
            f"{path} is not UTF-8 text ({err.reason}); save it as UTF-8 and ingest again."
        ) from err


LOADERS: dict[str, Callable[[Path], Document]] = {".md": load_markdown, ".txt": load_text}


def load_document(path: Path) -> Document:
    """Load one source file with the loader for its suffix."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise AssistantError(f"No loader for {path.name}; supported file types: {known}.")
    return loader(path)


def load_corpus(folder: Path) -> list[Document]:
    """Load every supported document in a folder (not recursive), sorted by name."""
    if not folder.is_dir():
        raise AssistantError(f"Corpus folder {folder} does not exist; set ASSISTANT_CORPUS_DIR.")
    files = sorted(
        p for p in folder.iterdir()
        if p.suffix.lower() in LOADERS and not p.name.upper().startswith("README")
    )
    if not files:
        raise AssistantError(f"No .md or .txt documents in {folder}; add the corpus files.")
    return [load_document(p) for p in files]
