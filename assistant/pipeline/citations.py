"""Citation checks in plain code: a cited passage must have been retrieved, and its quote
must occur verbatim in that passage."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from assistant.core.text import split_sentences
from assistant.core.types import Answer, Chunk, Citation

MARKER = re.compile(r"\[(\d+)\]")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_MARKUP = re.compile(r"\*+|_{2,}|`")
_SPACE_BEFORE_STOP = re.compile(r"\s+([.,;:!?])")
_MARKER_AFTER_STOP = re.compile(r"([.!?])\s*((?:\[\d+\])+)")  # "yearly. [1]" -> "yearly[1]."


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer, without markup, and the citation numbers it carries."""

    text: str
    markers: tuple[int, ...]


def _clean(sentence: str) -> str:
    text = " ".join(_MARKUP.sub("", MARKER.sub("", sentence)).split())
    return _SPACE_BEFORE_STOP.sub(r"\1", text)


def _line_claims(line: str) -> list[Claim]:
    """The sentences of one line; an unmarked sentence takes the markers of the next marked
    sentence on its line (a marker at the end of a bullet covers the bullet)."""
    line = _MARKER_AFTER_STOP.sub(r"\2\1", line)
    parts = [(_clean(s), tuple(int(n) for n in MARKER.findall(s))) for s in split_sentences(line)]
    claims: list[Claim] = []
    carry: tuple[int, ...] = ()
    for text, numbers in reversed(parts):
        carry = numbers or carry
        if text:
            claims.append(Claim(text, numbers or carry))
    return claims[::-1]


def claims(text: str, framing: Collection[str] = ()) -> list[Claim]:
    """The factual sentences of an answer (framing lines left out), with their markers."""
    found: list[Claim] = []
    for line in text.splitlines():
        body = BULLET.sub("", line).strip()
        if body and _clean(body) not in framing:
            found.extend(_line_claims(body))
    return found


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
