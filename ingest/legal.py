"""Legal-text structure: a convention or recommendation as plain paragraphs -> blocks that
know their place (preamble, section, article, numbered paragraph, lettered item).

Each input line is one paragraph, with the page it starts on when it comes from a PDF.
Blocks are cited by their place: "Article 7.1(a)" in a convention, "III.4" in a
recommendation (sections hold the numbered paragraphs), "Preamble" before the first
section or article, "Annex, Article 2" after an annex heading.

Block ids are unique across the corpus (`<prefix>-art7-1-a`, `<prefix>-III-4`,
`<prefix>-preamble-3`), where the prefix comes from the sources manifest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.core.tuning import Layout
from assistant.core.types import Block, BlockKind

Line = tuple[int | None, str]  # (page it starts on, or None for text files; the paragraph)

_SECTION = re.compile(r"^([IVXL]+)\.\s+(\S.{0,150})$")
_ARTICLE = re.compile(r"^Article\s+(\d+|[IVXL]+)\b\s*(?:[–-]\s*(.{0,150}))?$")
_ANNEX = re.compile(r"^annex\b\s*$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d{1,3})\.(?:\s+|(?=[A-Z“\"]))(.*)$")  # "1. Text", "1.Text"
_ITEM = re.compile(r"^\(([a-z]{1,4}|\d{1,2})\)\s*(?=\S)(.*)$")  # "(a) text", "(iv)text"
_TERMINAL = (".", ",", ";", ":")
_ROMAN = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})


def _heading_like(text: str, title_chars: int) -> bool:
    """A line short enough (`layout.title_chars`) and without closing punctuation: a title."""
    return len(text) <= title_chars and not text.rstrip().endswith(_TERMINAL)


@dataclass
class _Place:
    """Where the parser is: section, article, numbered paragraph, and the blocks so far."""

    prefix: str
    structured: bool
    title_chars: int  # the longest line read as a heading
    section: tuple[str, str] | None = None  # (roman numeral, heading line)
    article: tuple[str, str] | None = None  # (number, heading line)
    subheading: str = ""
    annex: bool = False
    number: str | None = None
    letter: str | None = None  # the last lettered item: "(i)" after "(a)" nests under it
    letter_text: str = ""
    lead_in: str = ""  # the last non-item paragraph of this place: items follow it
    blocks: list[Block] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def container(self) -> tuple[str, str]:
        """(id part, label) of the innermost article or section, or the preamble."""
        annex_id, annex_label = ("annex-", "Annex, ") if self.annex else ("", "")
        if self.article:
            return f"{annex_id}art{self.article[0]}", f"{annex_label}Article {self.article[0]}"
        if self.section:
            return f"{annex_id}{self.section[0]}", f"{annex_label}{self.section[0]}"
        if self.annex:
            return "annex", "Annex"
        return ("preamble", "Preamble") if self.structured else ("para", "")

    def headings(self) -> tuple[str, ...]:
        parts = ["Annex"] if self.annex and not self.section else []
        if self.section:
            parts.append(self.section[1])
        if self.article:
            parts.append(self.article[1])
        if self.subheading:
            parts.append(self.subheading)
        if not parts:
            parts.append("Preamble" if self.structured else "")
        return tuple(p for p in parts if p)

    def enter(self, *, section: tuple[str, str] | None = None,
              article: tuple[str, str] | None = None) -> None:
        if section:
            self.section, self.article = section, None
        if article:
            self.article = article
        self.number, self.subheading, self.lead_in, self.letter = None, "", "", None

    def unique(self, block_id: str) -> str:
        """The id, or `<id>-u<n>` for the n-th paragraph at the same place."""
        n = self.counts[block_id] = self.counts.get(block_id, 0) + 1
        return block_id if n == 1 else f"{block_id}-u{n}"

    def add(self, text: str, page: int | None, id_part: str, label: str,
            kind: BlockKind = "paragraph") -> None:
        lead = self.lead_in if kind == "bullet" else ""
        block_id = self.unique(f"{self.prefix}-{id_part}")
        self.blocks.append(Block(block_id, text, self.headings(), kind, lead, (), label, page))
        if kind != "bullet":
            self.lead_in = text


def _paragraph(place: _Place, page: int | None, text: str) -> None:
    """A paragraph: numbered, a lettered item, or plain text of the current place."""
    id_part, base = place.container()
    numbered, item = _NUMBERED.match(text), _ITEM.match(text)
    if numbered and place.structured:
        place.number = numbered.group(1)
        body = numbered.group(2).strip()
        # "1. Principle of sovereignty": a heading for what follows
        if _heading_like(body, place.title_chars):
            place.subheading, place.lead_in = f"{place.number}. {body}", ""
            return
        place.subheading = ""
        label = f"{base}.{place.number}" if base else place.number
        place.add(body, page, f"{id_part}-{place.number}", label)
        return
    if id_part == "preamble":
        place.add(text, page, f"preamble-{len(place.blocks) + 1}", base)
        return
    where = f"{id_part}-{place.number}" if place.number else id_part
    label = f"{base}.{place.number}" if place.number and base else base
    if item and place.structured:
        _item(place, page, item.group(1), item.group(2).strip(), where, label)
        return
    if not place.structured:
        count = len(place.blocks) + 1
        place.add(text, page, f"para-{count}", f"¶ {count}")
        return
    place.add(text, page, where, label)


def _nested(place: _Place, token: str) -> bool:
    """Whether "(i)" is a roman sub-item of the last lettered item, not the letter after h."""
    if token not in _ROMAN or place.letter is None:
        return False
    return not (len(token) == 1 and ord(token) == ord(place.letter) + 1)


def _item(place: _Place, page: int | None, token: str, text: str, where: str,
          label: str) -> None:
    if _nested(place, token):
        lead, place.lead_in = place.lead_in, place.letter_text
        place.add(text, page, f"{where}-{place.letter}-{token}",
                  f"{label}({place.letter})({token})", "bullet")
        place.lead_in = lead
        return
    place.letter, place.letter_text = token, text
    place.add(text, page, f"{where}-{token}", f"{label}({token})", "bullet")


def _structure(place: _Place, text: str) -> bool:
    """Move into a section, article or annex when the line is a heading; True if it was."""
    if not place.structured:
        return False
    if _ANNEX.match(text):
        place.annex, place.section, place.article = True, None, None
        place.enter()
        return True
    article = _ARTICLE.match(text)
    if article and (article.group(2) is None
                    or _heading_like(article.group(2), place.title_chars)):
        place.enter(article=(article.group(1), text))
        return True
    section = _SECTION.match(text)
    if section and _heading_like(section.group(2), place.title_chars):
        place.enter(section=(section.group(1), text))
        return True
    return False


def _clean(lines: Iterable[Line]) -> list[Line]:
    out = []
    for page, raw in lines:
        text = " ".join(raw.replace("\u00a0", " ").split())
        if text:
            out.append((page, text))
    return out


def _skip_title(lines: list[Line], layout: Layout) -> list[Line]:
    """Drop title and place/date lines above the preamble ("Paris, 17 October 2003")."""
    start, most = 0, min(len(lines), layout.title_lines)
    while start < most and _heading_like(lines[start][1], layout.title_chars) and not (
            _SECTION.match(lines[start][1]) or _ARTICLE.match(lines[start][1])):
        start += 1
    return lines[start:]


def is_structured(lines: list[Line]) -> bool:
    """Whether a text has articles or numbered sections (a legal instrument)."""
    return any(_ARTICLE.match(t) or _SECTION.match(t) for _, t in lines)


def parse_legal(lines: Iterable[Line], prefix: str, layout: Layout) -> tuple[Block, ...]:
    """Blocks of a legal text, each labelled with its place; plain documents without
    articles or sections get numbered paragraphs ("¶ 3")."""
    cleaned = _clean(lines)
    place = _Place(prefix, is_structured(cleaned), layout.title_chars)
    for page, text in _skip_title(cleaned, layout) if place.structured else cleaned:
        if not _structure(place, text):
            _paragraph(place, page, text)
    return tuple(place.blocks)
