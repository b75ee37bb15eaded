"""The verification gate for generated answers: a sentence is kept only when a retrieved
passage it cites supports it (the offline check the evaluation uses). Citation numbers that
point to no passage are removed; a sentence that another retrieved passage supports is
re-cited to it (repaired); the rest are dropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import citation
from assistant.citations import BULLET, claims
from assistant.language import sv_or_en
from assistant.support import SupportChecker
from assistant.types import Citation, Hit, Verification

MIN_CHARS_FOR_LANGUAGE = 25  # shorter sentences are too short to judge their language


@dataclass(frozen=True)
class Checked:
    """A verified answer: the kept sentences with renumbered markers, and what was dropped."""

    text: str
    citations: tuple[Citation, ...]
    verification: Verification
    dropped: tuple[str, ...]


@dataclass(frozen=True)
class _Judged:
    sentence: str
    cites: tuple[int, ...]  # passage numbers (1-based, as the prompt numbered them)
    repaired: bool


def _supporting(sentence: str, language: str, passages: Sequence[Hit], markers: Sequence[int],
                checker: SupportChecker) -> _Judged | None:
    valid = tuple(n for n in dict.fromkeys(markers) if 1 <= n <= len(passages))
    invented = len(valid) < len(markers)
    sources = [citation(n, passages[n - 1]).source_text for n in valid]
    if valid and checker.judge(sentence, language, sources).supported:
        return _Judged(sentence, valid, invented)
    for n, hit in enumerate(passages, start=1):
        if n not in valid and checker.judge(
                sentence, language, [citation(n, hit).source_text]).supported:
            return _Judged(sentence, (n,), True)
    return None


def _judge(sentence: str, language: str, passages: Sequence[Hit], markers: Sequence[int],
           checker: SupportChecker) -> _Judged | None:
    if len(sentence) >= MIN_CHARS_FOR_LANGUAGE and sv_or_en(sentence) != language:
        return None
    return _supporting(sentence, language, passages, markers, checker)


def verify_answer(draft: str, language: str, passages: Sequence[Hit],
                  checker: SupportChecker) -> Checked:
    """Keep the supported sentences of a draft, line by line, with citations renumbered in
    order of first use."""
    order: dict[int, int] = {}  # passage number -> citation number
    lines: list[str] = []
    dropped: list[str] = []
    repaired = kept_total = 0
    said: set[str] = set()
    for line in draft.splitlines():
        kept = []
        for claim in claims(line):
            if claim.text in said:
                dropped.append(claim.text)  # a repetition adds nothing
                continue
            said.add(claim.text)
            judged = _judge(claim.text, language, passages, claim.markers, checker)
            if judged is None:
                dropped.append(claim.text)
                continue
            repaired += judged.repaired
            kept_total += 1
            marks = "".join(f"[{order.setdefault(n, len(order) + 1)}]" for n in judged.cites)
            kept.append(f"{judged.sentence} {marks}")
        if kept:
            bullet = "- " if BULLET.match(line) else ""
            lines.append(bullet + " ".join(kept))
    cites = tuple(citation(k, passages[n - 1]) for n, k in order.items())
    verification = Verification(kept=kept_total, dropped=len(dropped), repaired=repaired)
    return Checked("\n".join(lines), cites, verification, tuple(dropped))
