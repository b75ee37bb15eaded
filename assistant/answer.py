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
    """The sentences of a passage that share most terms with the question, in order."""
    parts = sentences(text)
    if len(parts) <= _SHORT_PASSAGE:
        return parts
    wanted = set(terms(question, language))
    overlap = [len(wanted & set(terms(s, language))) for s in parts]
    top = max(overlap)
    if top == 0:
        return parts
    return [s for s, o in zip(parts, overlap, strict=True) if o * 2 >= top]


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


def answer_line(question: str, language: str, hit: Hit, n: int) -> str:
    """One answer bullet: the passage's lead-in, its best sentences, and the marker."""
    text = hit.chunk.text
    if "\n" in text:  # a list (a footnote): the marker first, then the items
        items = "\n".join(f"  - {line.lstrip('• ')}" for line in text.splitlines())
        return f"- [{n}]\n{items}"
    lead = f"*{hit.chunk.lead_in}* " if hit.chunk.lead_in else ""
    return f"- {lead}{' '.join(best_sentences(question, language, text))} [{n}]"


def extractive(question: str, language: Language, hits: list[Hit],
               limits: Thresholds) -> tuple[str, list[Citation]]:
    """Compose the answer text and its citations; no citations means abstain."""
    chosen = supporting_hits(question, language, hits, limits)
    if not chosen:
        return ABSTAIN[language], []
    numbered = list(enumerate(chosen, start=1))
    lines = [answer_line(question, language, hit, n) for n, hit in numbered]
    return INTRO[language] + "\n\n" + "\n".join(lines), [citation(n, h) for n, h in numbered]
