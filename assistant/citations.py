"""Citation checks in plain code: a cited passage must have been retrieved, and its quote
must occur verbatim in that passage."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.types import Answer, Chunk, Citation

MARKER = re.compile(r"\[(\d+)\]")


def problems(citation: Citation, retrieved: dict[str, Chunk]) -> list[str]:
    """What is wrong with one citation (empty when it is valid)."""
    chunk = retrieved.get(citation.chunk_id)
    if chunk is None:
        return [f"[{citation.n}] cites {citation.chunk_id}, which was not retrieved"]
    if not citation.quote or citation.quote not in chunk.text:
        return [f"[{citation.n}] quote is not verbatim in {citation.chunk_id}"]
    return []


def markers(text: str) -> set[int]:
    """The citation numbers used in an answer text."""
    return {int(n) for n in MARKER.findall(text)}


def verify(answer: Answer, retrieved: dict[str, Chunk]) -> tuple[Answer, list[str]]:
    """Drop invalid citations and markers that point nowhere; report what was dropped."""
    found: list[str] = []
    valid = []
    for cited in answer.citations:
        issues = problems(cited, retrieved)
        found.extend(issues)
        if not issues:
            valid.append(cited)
    known = {c.n for c in valid}
    dangling = markers(answer.text) - {c.n for c in answer.citations}
    found.extend(f"[{n}] points to no valid citation" for n in sorted(dangling))
    text = MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in known else "", answer.text)
    return replace(answer, text=text, citations=tuple(valid)), found
