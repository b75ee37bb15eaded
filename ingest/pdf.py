"""PDF sources: an official convention or recommendation PDF -> paragraphs with page numbers.

pypdf's `extract_text` gives layout lines. Paragraphs are rebuilt with these heuristics:

- A blank line ends a paragraph.
- A line that begins with a structural marker of legal text starts one: `Article 7 – Title`,
  a bare `Article 7`, a Roman-numbered heading (`IV. The vocation …`), a numbered paragraph
  (`1. `), a lettered item (`(a) `, `(iv) `), a bullet, `Annex`/`ANNEX`, `Preamble`,
  `Chapter`/`Section`/`Part II`. A marker right after a reference word (`…in paragraph` /
  `(a) of …`) is read as a cross-reference, not a new paragraph.
- A line ending with `.`, `;`, `:`, `?` or `!` that is short (under a share of the page's
  typical line width, a percentile of its line lengths, or of the whole document's when the
  page has few lines; the tuning's `layout` stage) ends its paragraph; after a `.` only if the
  next line does not start lower-case.
- A short line without terminal punctuation that opens a paragraph (or closes a heading that
  opens with a marker) and is followed by a line starting upper-case or with a digit is a
  heading: a paragraph of its own.
- Across a page break a paragraph continues when the page ends without terminal punctuation
  or the next page starts lower-case (and the next page does not start with a marker).
- Wrapped lines are joined with one space; `inter-` + `national` becomes `international`
  when the next line starts lower-case, unless the hyphenated form occurs elsewhere in the
  document (`self-determination`); other line-final hyphens are kept (`Franco-German`).
- Bare page numbers (`3`, `- 3 -`, `Page 3`, `Page 3 of 9`, `3/9`, `iii`) at the top or
  bottom of a page are dropped. Whitespace is normalised; the text is otherwise verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from assistant.core.errors import AssistantError
from assistant.core.tuning import Layout

Paragraph = tuple[int, str]
"""(1-based page number where the paragraph starts, its text on one line)."""


class SourceError(AssistantError):
    """A source file that cannot be read; the message names the file and the fix."""


class NoTextLayer(SourceError):
    """A PDF without extractable text (a scan)."""


_DASH = "-–—"
_ITEM = r"\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)"
_TAIL = rf"(?:\s*$|\s*[{_DASH}:.]\s|\s*[{_DASH}:.]$)"
_MARKER = re.compile(
    r"^(?:"
    rf"(?:Article|ARTICLE)\s+\d+[A-Za-z]?(?:\s+(?:bis|ter|quater))?{_TAIL}"
    rf"|(?:Chapter|CHAPTER|Section|SECTION|Part|PART)\s+(?:[IVXLC]+|\d+){_TAIL}"
    r"|[IVXLC]+\.(?:\s+\S|$)"
    r"|\d{1,3}\.(?:\s|$)"
    r"|\d{1,3}\.\d{1,3}\.?\s+[A-Z]"
    rf"|{_ITEM}(?:\s|$)"
    r"|[•▪◦](?:\s|$)"
    r"|ANNEX\b"
    rf"|Annex(?:\s+(?:[IVXLC]+|\d+|[A-Z]))?{_TAIL}"
    r"|(?:Preamble|PREAMBLE)\b"
    r")"
)
_HEADING_MARKER = re.compile(
    r"^(?:(?:Article|ARTICLE|Chapter|CHAPTER|Section|SECTION|Part|PART"
    r"|Annex|ANNEX|Preamble|PREAMBLE)\b|[IVXLC]+\.)"
)
_BARE_MARKER = re.compile(rf"^(?:\d{{1,3}}\.|[IVXLC]+\.|{_ITEM}|[•▪◦])$")
_REFERENCE_WORD = re.compile(
    r"\b(?:(?:sub-?)?paragraphs?|articles?|items?|points?|sections?|clauses?|annex|chapters?"
    r"|parts?)$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(
    rf"^(?:[{_DASH}]\s*)?(?:\d{{1,4}}|[ivxlc]{{1,7}})(?:\s*[{_DASH}])?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$"
    r"|^(?i:page)\s+\d{1,4}(?:\s*(?:(?i:of)|/)\s*\d{1,4})?$"
)
_LINE_END_HYPHEN = re.compile(r"([^\W\d_]+)-$")
_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_UNREADABLE = (
    PyPdfError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NotImplementedError,
    RecursionError,
)
_TERMINAL = (".", ";", ":", "?", "!")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«"


@dataclass(frozen=True)
class _Line:
    page: int
    text: str
    short: bool
    first_on_page: bool


def pdf_paragraphs(path: Path, layout: Layout) -> list[Paragraph]:
    """Return the paragraphs of a text PDF, each with the page where it starts."""
    pages = _page_texts(path)
    lines = _layout_lines(pages, layout)
    vocabulary = {w.lower() for line in lines for w in _HYPHENATED.findall(line.text)}
    paragraphs = [(group[0].page, _join([line.text for line in group], vocabulary))
                  for group in _group(lines, layout.heading_lines)]
    if not paragraphs:
        raise NoTextLayer(
            f"{path.name} has no text layer (a scanned document?); run OCR on it "
            "(for example `ocrmypdf in.pdf out.pdf`) and ingest again."
        )
    return paragraphs


# Reading


def _page_texts(path: Path) -> list[tuple[int, str]]:
    """The extracted text of every page, numbered from 1; SourceError if unreadable."""
    _check_file(path)
    try:
        reader = PdfReader(path)
        _decrypt(reader, path)
        texts = [(n, page.extract_text() or "") for n, page in enumerate(reader.pages, 1)]
    except DependencyError as exc:
        raise SourceError(
            f"{path.name} is AES-encrypted and reading it needs the `cryptography` package "
            f"({exc}); run `pip install cryptography`, or save an unencrypted copy of the PDF, "
            "then ingest again."
        ) from exc
    except _UNREADABLE as exc:
        raise SourceError(
            f"{path.name} is not a readable PDF ({type(exc).__name__}: {exc}); "
            "download it again and replace the file."
        ) from exc
    if not texts:
        raise SourceError(f"{path.name} has no pages; download it again and replace the file.")
    return texts


def _check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{path} cannot be opened ({exc.strerror}); check the path.") from exc
    if size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes); download it again.")


def _decrypt(reader: PdfReader, path: Path) -> None:
    """Open an encrypted PDF with the empty user password, as most official PDFs allow."""
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise SourceError(
            f"{path.name} is protected by a password; open it with the password and save "
            "an unencrypted copy (for example `qpdf --decrypt --password=... in.pdf out.pdf`), "
            "then ingest again."
        )


# Lines


def _layout_lines(pages: list[tuple[int, str]], layout: Layout) -> list[_Line]:
    """Whitespace-normalised lines without page numbers, marked short or not."""
    cleaned = [
        (n, _strip_page_numbers([_normalise(t) for t in text.splitlines()])) for n, text in pages
    ]
    doc_width = _typical_width([t for _, lines in cleaned for t in lines], layout.percentile)
    result: list[_Line] = []
    for n, lines in cleaned:
        lengths = [t for t in lines if t]
        width = (_typical_width(lengths, layout.percentile) if len(lengths) >= layout.min_lines
                 else doc_width)
        result += [_Line(n, t, bool(t) and len(t) < layout.short * width, i == 0)
                   for i, t in enumerate(lines)]
    return result


def _normalise(line: str) -> str:
    return " ".join(line.split())


def _strip_page_numbers(lines: list[str]) -> list[str]:
    """Drop blank lines and bare page numbers at the top and bottom of a page."""
    start, end = 0, len(lines)
    while start < end and (not lines[start] or _PAGE_NUMBER.match(lines[start])):
        start += 1
    while end > start and (not lines[end - 1] or _PAGE_NUMBER.match(lines[end - 1])):
        end -= 1
    return lines[start:end]


def _typical_width(lines: list[str], percentile: float) -> float:
    """The line length in characters at a percentile of the lines' lengths (0 for no
    lines)."""
    lengths = sorted(len(t) for t in lines if t)
    if not lengths:
        return 0.0
    return float(lengths[min(len(lengths) - 1, int(percentile * len(lengths)))])


# Paragraphs


def _group(lines: list[_Line], heading_lines: int) -> list[list[_Line]]:
    """Group consecutive lines into paragraphs (a marked heading runs over `heading_lines` at
    most)."""
    groups: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if current and _breaks(current, line, heading_lines):
            groups.append(current)
            current = []
        if line.text:
            current.append(line)
    if current:
        groups.append(current)
    return groups


def _breaks(current: list[_Line], line: _Line, heading_lines: int) -> bool:
    """Whether the paragraph in `current` ends before `line` (a blank line or a new start)."""
    if len(current) == 1 and _BARE_MARKER.match(current[0].text):
        return False  # `1.` or `(a)` set apart from its text: the text follows
    return not line.text or _starts_new(current, line, heading_lines)


def _starts_new(current: list[_Line], line: _Line, heading_lines: int) -> bool:
    """Whether `line` starts a new paragraph after the lines of `current`."""
    prev = current[-1]
    if _is_marker(line.text) and not _REFERENCE_WORD.search(prev.text):
        return True
    if _is_heading(current, line, heading_lines):
        return True
    if line.first_on_page:
        return _ends_sentence(prev.text) and not line.text[0].islower()
    return prev.short and _ends_sentence(prev.text) and not _continues_sentence(prev, line)


def _is_marker(text: str) -> bool:
    return bool(_MARKER.match(text))


def _is_heading(current: list[_Line], line: _Line, heading_lines: int) -> bool:
    """A short unpunctuated line opening a paragraph (or a marked heading) before a capital."""
    last = current[-1]
    first = current[0].text
    marked = len(current) <= heading_lines and _is_marker(first) and _HEADING_MARKER.match(first)
    opens = len(current) == 1 or bool(marked)
    bare = not last.text.rstrip(_CLOSERS).endswith((*_TERMINAL, ",", *_DASH))
    start = line.text.lstrip(_OPENERS)[:1]
    return opens and last.short and bare and (start.isupper() or start.isdigit())


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_TERMINAL)


def _continues_sentence(prev: _Line, line: _Line) -> bool:
    """A line after a full stop that starts lower-case continues the sentence (`e.g.`)."""
    return prev.text.rstrip(_CLOSERS).endswith(".") and line.text[0].islower()


def _join(lines: list[str], vocabulary: set[str]) -> str:
    """Join wrapped lines with one space, undoing end-of-line hyphenation."""
    text = lines[0]
    for line in lines[1:]:
        text = _join_pair(text, line, vocabulary)
    return text


def _join_pair(text: str, line: str, vocabulary: set[str]) -> str:
    if text.endswith("\u00ad"):
        return text[:-1] + line
    match = _LINE_END_HYPHEN.search(text)
    if not match:
        return f"{text} {line}"
    following = _WORD.match(line)
    word = f"{match.group(1)}-{following.group(0) if following else ''}".lower()
    if line[0].islower() and word not in vocabulary:
        return text[:-1] + line
    return text + line
