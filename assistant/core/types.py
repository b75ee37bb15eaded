"""Typed values passed between pipeline stages: Document -> Chunk -> Hit -> Answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Language = Literal["sv", "en"]
BlockKind = Literal["paragraph", "bullet", "footnote"]
GUIDELINE = "guideline"  # the document kind of the guideline and its translation
SUPPLEMENT = "supplement"  # the document kind of later, dated facts (never the guideline)


@dataclass(frozen=True)
class Block:
    """One paragraph, bullet or footnote of a document, with its place in the structure."""

    block_id: str
    text: str
    heading_path: tuple[str, ...]
    kind: BlockKind = "paragraph"
    lead_in: str = ""
    footnotes: tuple[str, ...] = ()
    label: str = ""  # its place in a legal text: "Article 7.1(a)", "III.4", "Preamble"
    page: int | None = None  # the PDF page it starts on


@dataclass(frozen=True)
class Document:
    """A loaded source document: metadata plus its blocks in reading order."""

    doc_id: str
    title: str
    language: str
    kind: str
    blocks: tuple[Block, ...]
    publisher: str = ""
    period: str = ""
    translation_of: str | None = None
    source_path: str = ""
    short: str = ""  # how citations name it: "2005 Convention"
    date: str = ""  # adoption date or validity period
    authority: int = 1  # order of precedence in answers; the guideline is 1
    url: str = ""  # official source
    aliases: tuple[str, ...] = ()  # how questions name it

    @property
    def family(self) -> str:
        """The id shared by an original and its translations."""
        return self.translation_of or self.doc_id

    @property
    def text(self) -> str:
        """The document's plain text: its blocks separated by blank lines."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: one block, with the text that is indexed for it."""

    chunk_id: str
    doc_id: str
    block_id: str
    language: str
    title: str
    heading_path: tuple[str, ...]
    text: str
    indexed_text: str
    family: str
    kind: str = "paragraph"
    lead_in: str = ""
    footnotes: tuple[str, ...] = ()
    page: int | None = None
    label: str = ""  # "2005 Convention, Article 7.1"; empty for the guideline
    authority: int = 1

    @property
    def is_original(self) -> bool:
        """Whether this is the document's original text, not a translation of it."""
        return self.doc_id == self.family

    @property
    def is_guideline(self) -> bool:
        """Whether this is the guideline's own text, not a referenced instrument (which
        ranks lower in the authority order and carries a citation label)."""
        return self.authority == 1

    @property
    def passage_key(self) -> str:
        """Key shared by a passage and its translations."""
        return f"{self.family}#{self.block_id}"

    @property
    def source_text(self) -> str:
        """The passage as a reader sees it: its list's lead-in sentence, then its text."""
        return f"{self.lead_in} {self.text}".strip()

    @property
    def sentences(self) -> tuple[str, ...]:
        """The texts embedded beside the whole passage: each sentence (or list line), after
        its list's lead-in, so a question about one sentence of a long passage finds it."""
        from assistant.core.text import split_sentences

        lines = [line.lstrip("• ") for line in self.text.splitlines() if line.strip()]
        parts = [s for line in lines for s in split_sentences(line)]
        return tuple(dict.fromkeys(f"{self.lead_in} {s}".strip() for s in parts))

    @property
    def section(self) -> str:
        """Human-readable section name (the innermost heading)."""
        return self.heading_path[-1] if self.heading_path else ""


@dataclass(frozen=True)
class Naming:
    """How a question names referenced documents ("enligt 2005 års konvention"): their ids
    and the words it names them with, which say which document, not what is asked."""

    documents: tuple[str, ...] = ()
    spans: tuple[str, ...] = ()

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.documents


UNNAMED = Naming()  # a question that names no referenced document


@dataclass(frozen=True)
class BankQuestion:
    """One question of the question bank: a question its passage answers (doc2query)."""

    qid: str
    passage_key: str
    language: str
    text: str


@dataclass(frozen=True)
class Hit:
    """A retrieved passage: the chunk in the wanted language and its fused score.

    A lead-in passage ("The creative cities shall:") carries the bullets it introduces.
    """

    chunk: Chunk
    score: float
    rank: int
    dense: float = 0.0
    original: Chunk | None = None
    items: tuple[Hit, ...] = ()
    bank: float = 0.0  # the best cosine of the question to one of the passage's bank questions
    parallel: Chunk | None = None  # the passage in the language whose wording was asked for


@dataclass(frozen=True)
class Citation:
    """A cited passage, as shown to the user and in the JSON output."""

    n: int
    doc_id: str
    title: str
    section: str
    quote: str
    chunk_id: str
    original: str | None = None
    page: int | None = None
    lead_in: str = ""
    label: str = ""  # a referenced instrument's place: "2005 Convention, Article 7.1"
    language: str = ""  # the quote's language
    parallel: str | None = None  # the passage in the language whose wording was asked for
    parallel_language: str = ""  # that language
    parallel_original: bool = False  # whether that text is the original (not a translation)

    @property
    def source_text(self) -> str:
        """What the citation stands for: its list's lead-in sentence, then the quote."""
        return f"{self.lead_in} {self.quote}".strip()


@dataclass(frozen=True)
class Verification:
    """What the verification gate did to a generated answer, counted in sentences."""

    kept: int
    dropped: int
    repaired: int  # kept after removing citation numbers that pointed nowhere, or re-cited


@dataclass(frozen=True)
class Answer:
    """An answer with its `[n]` markers, the citations they point to and timings."""

    question: str
    language: Language
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    backend: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str = ""
    retrieved: tuple[str, ...] = ()
    verification: Verification | None = None  # generated answers only
    dropped: tuple[str, ...] = ()  # generated sentences the sources do not support
    draft: str = ""  # the model's text before the gate
    confidence: float | None = None  # the decision's probability for the best passage


@dataclass(frozen=True)
class Obligation:
    """One "ska" clause of the guideline."""

    block_id: str
    actor: str  # "creative cities" or "Svenska Unescorådet"
    requirement: str  # the Swedish text, as written
    requirement_en: str  # the unofficial English translation of it
    level: str  # general, global, national, or "" when the clause names none
    when: str  # each year, at year end / every four years / annually / ongoing
    to_whom: str  # the recipient of a report, or ""
    language: str  # the language a report is written in, or ""
    section: str  # the guideline's section heading
    chunk_id: str


@dataclass(frozen=True)
class Reply:
    """A text ready to send or edit (a drafted reply, or one answer), with its sources."""

    language: Language
    title: str
    body: str  # Markdown with `[n]` markers
    citations: tuple[Citation, ...]
    questions: tuple[str, ...] = ()  # what it answers
    answers: tuple[Answer, ...] = ()  # each question's answer, for the audit log
