"""The extractive backend: compose a cited answer from the passages that support it."""

from __future__ import annotations

from collections.abc import Collection

from assistant.support import Support, Thresholds, support
from assistant.types import Citation, Hit, Language

MAX_PASSAGES = 3
CANDIDATES = 5
COVERAGE_WEIGHT = 0.1  # shared terms break near-ties in embedding similarity
MARGIN = 0.05  # how far behind the closest passage another may be and still be shown
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
# Lines of an answer that frame it rather than state a fact from the sources.
FRAMING = frozenset({*INTRO.values(), *ABSTAIN.values()})


def _closeness(judged: tuple[Support, Hit]) -> float:
    verdict, hit = judged
    return hit.dense + COVERAGE_WEIGHT * verdict.coverage


def supporting_hits(question: str, language: str, hits: list[Hit], limits: Thresholds,
                    known: Collection[str] = ()) -> list[Hit]:
    """The passages that support an answer about as well as the best one, closest first
    (embedding similarity, then shared terms)."""
    judged = [(support(question, language, h, limits, known), h) for h in hits[:CANDIDATES]]
    judged = sorted(((s, h) for s, h in judged if s.supported), key=_closeness, reverse=True)
    if not judged:
        return []
    floor = _closeness(judged[0]) - MARGIN
    return [h for s, h in judged if _closeness((s, h)) >= floor][:MAX_PASSAGES]


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
        lead_in=chunk.lead_in,
    )


def answer_line(hit: Hit, n: int, nested: bool = False) -> str:
    """One answer bullet with its marker: the passage, quoted whole, after its list's
    lead-in sentence (unless it is nested under that lead-in)."""
    text = hit.chunk.text
    indent = "  " if nested else ""
    if "\n" in text:  # a list (a footnote): each item with its marker
        return "\n".join(f"{indent}- {line.lstrip('• ')} [{n}]" for line in text.splitlines())
    if nested:
        return f"{indent}- {text} [{n}]"
    lead = f"*{hit.chunk.lead_in}* " if hit.chunk.lead_in else ""
    return f"- {lead}{text} [{n}]"


def compose(chosen: list[Hit]) -> tuple[list[str], list[Hit]]:
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
            lines.append(answer_line(item, len(cited), item is not hit))
    return lines, cited


def extractive(question: str, language: Language, hits: list[Hit], limits: Thresholds,
               known: Collection[str] = ()) -> tuple[str, list[Citation]]:
    """Compose the answer text and its citations; no citations means abstain. `known`:
    the words of the whole corpus (names it mentions anywhere)."""
    chosen = supporting_hits(question, language, hits, limits, known)
    if not chosen:
        return ABSTAIN[language], []
    lines, cited = compose(chosen)
    citations = [citation(n, hit) for n, hit in enumerate(cited, start=1)]
    return INTRO[language] + "\n\n" + "\n".join(lines), citations
