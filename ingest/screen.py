"""Screening passages for text addressed to an AI model ("ignore the previous instructions…").

Such a passage in a corpus or source document is an injection attempt, not guidance: it is
kept out of the index and reported at ingest with the file to review, so it can never be
quoted as an answer or reach a language model's prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.types import Chunk

_VERBS = r"(?:ignore|disregard|forget|override|ignorera|strunta i|bortse från|glöm)"
_TARGETS = (r"(?:instructions?|prompts?|rules|documents?|sources|context|guidelines|"
            r"instruktion\w*|regl\w*|dokument\w*|källor\w*|riktlinjer\w*)")
PATTERNS = (
    re.compile(rf"\b{_VERBS}\b[^.!?\n]{{0,40}}\b{_TARGETS}", re.IGNORECASE),
    re.compile(r"\b(?:system ?prompt|systemprompt\w*|you are now|du är nu|as an ai "
               r"(?:model|assistant)|som en ai)\b", re.IGNORECASE),
    re.compile(r"(?:^|\n)\s*(?:system|assistant|user)\s*:", re.IGNORECASE),
)
EXCERPT = 80


@dataclass(frozen=True)
class Flagged:
    """A passage kept out of the index, and the words that flagged it."""

    doc_id: str
    block_id: str
    excerpt: str
    path: str = ""  # the file to review


def addressed_to_model(text: str) -> str | None:
    """The words that address an AI model, or None."""
    for pattern in PATTERNS:
        found = pattern.search(text)
        if found:
            return found.group(0).strip()
    return None


def screen(chunks: list[Chunk], paths: dict[str, str] | None = None
           ) -> tuple[list[Chunk], list[Flagged]]:
    """The passages to index, and those kept out because they address an AI model;
    `paths` names each document's file."""
    kept: list[Chunk] = []
    flagged: list[Flagged] = []
    for chunk in chunks:
        words = addressed_to_model(chunk.text)
        if words is None:
            kept.append(chunk)
        else:
            start = max(0, chunk.text.find(words))
            flagged.append(Flagged(chunk.doc_id, chunk.block_id,
                                   chunk.text[start:start + EXCERPT],
                                   (paths or {}).get(chunk.doc_id, "")))
    return kept, flagged
