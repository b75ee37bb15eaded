"""The extractive backend: compose a cited answer from the passages that support it."""

from __future__ import annotations

import re

from assistant.support import Thresholds, support
from assistant.text import terms
from assistant.types import Citation, Hit, Language

MAX_PASSAGES = 3
CANDIDATES = 4
COVERAGE_MARGIN = 0.1
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"])")
_SHORT_PASSAGE = 2
INTRO = {
    "sv": "Enligt riktlinjerna:",
    "en": "According to the guidelines (unofficial English translation; the Swedish "
    "original is shown with each source):",
}
ABSTAIN = {
    "sv": "Riktlinjerna säger inget om detta. Svenska Unescorådet kan svara på frågan.",
    "en": "The guidelines do not say. The Swedish National Commission for UNESCO "
    "(Svenska Unescorådet) can answer this question.",
}


def sentences(text: str) -> list[str]:
    """Split a passage into sentences (bullet lists stay whole)."""
    if "\n" in text:
        return [text]
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def best_sentences(question: str, language: str, text: str) -> list[str]:
    """The sentences of a long passage that share the most terms with the question."""
    parts = sentences(text)
    if len(parts) <= _SHORT_PASSAGE:
        return parts
    wanted = set(terms(question, language))
    overlap = [len(wanted & set(terms(s, language))) for s in parts]
    top = max(overlap)
    if top == 0:
        return parts
    return [s for s, o in zip(parts, overlap, strict=True) if o == top]


def supporting_hits(question: str, language: str, hits: list[Hit],
                    limits: Thresholds) -> list[Hit]:
    """The passages that support an answer about as well as the best one, best first."""
    judged = [(support(question, language, h, limits), h) for h in hits[:CANDIDATES]]
    judged = sorted(((s, h) for s, h in judged if s.supported),
                    key=lambda sh: (-sh[0].coverage, sh[1].rank))
    if not judged:
        return []
    floor = judged[0][0].coverage - COVERAGE_MARGIN
    return [h for s, h in judged if s.coverage >= floor][:MAX_PASSAGES]


def citation(n: int, hit: Hit) -> Citation:
    """The citation record for a hit."""
    chunk = hit.chunk
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=" > ".join(chunk.heading_path),
        quote=chunk.text,
        chunk_id=chunk.chunk_id,
        original=hit.original.text if hit.original else None,
        page=chunk.page,
    )


def answer_line(question: str, language: str, hit: Hit, n: int, nested: bool = False) -> str:
    """One answer bullet with its marker: the lead-in (unless nested under it) and either
    the sentences that answer the question or, for a list item, the whole item."""
    text = hit.chunk.text
    indent = "  " if nested else ""
    if "\n" in text:  # a list (a footnote): the marker first, then the items
        items = "\n".join(f"{indent}  - {line.lstrip('• ')}" for line in text.splitlines())
        return f"{indent}- [{n}]\n{items}"
    if nested:
        return f"{indent}- {text} [{n}]"
    lead = f"*{hit.chunk.lead_in}* " if hit.chunk.lead_in else ""
    return f"- {lead}{' '.join(best_sentences(question, language, text))} [{n}]"


def compose(question: str, language: str, chosen: list[Hit]) -> tuple[list[str], list[Hit]]:
    """Answer lines and the hits they cite, in order; a lead-in brings its whole list."""
    listed = {item.chunk.chunk_id for hit in chosen for item in hit.items}
    lines: list[str] = []
    cited: list[Hit] = []
    seen: set[str] = set()
    for hit in chosen:
        if hit.chunk.chunk_id in listed and not hit.items:
            continue  # shown inside the list that a chosen lead-in brings
        for item in (hit, *hit.items):
            if item.chunk.chunk_id in seen:
                continue
            seen.add(item.chunk.chunk_id)
            cited.append(item)
            lines.append(answer_line(question, language, item, len(cited), item is not hit))
    return lines, cited


def extractive(question: str, language: Language, hits: list[Hit],
               limits: Thresholds) -> tuple[str, list[Citation]]:
    """Compose the answer text and its citations; no citations means abstain."""
    chosen = supporting_hits(question, language, hits, limits)
    if not chosen:
        return ABSTAIN[language], []
    lines, cited = compose(question, language, chosen)
    citations = [citation(n, hit) for n, hit in enumerate(cited, start=1)]
    return INTRO[language] + "\n\n" + "\n".join(lines), citations
