"""The verification gate for generated answers: a sentence is kept only when a retrieved
passage it cites supports it (the offline check the evaluation uses). Citation numbers that
point to no passage are removed; a sentence that another retrieved passage supports is
re-cited to it (repaired); the rest are dropped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.core.language import sv_or_en
from assistant.core.types import Citation, Hit, Verification
from assistant.pipeline.answer import citation
from assistant.pipeline.citations import BULLET, MARKER, claims
from assistant.pipeline.support import SupportChecker

# Where a new sentence has begun on a line: after its stop (and any markers), a capital.
_NEXT_SENTENCE = re.compile(r"[.!?](?:\s*(?:\[\d+\])+)?\s+(?=[A-ZÅÄÖ0-9”\"])")


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
    if len(sentence) >= checker.limits.language_chars and sv_or_en(sentence) != language:
        return None
    return _supporting(sentence, language, passages, markers, checker)


Judgments = dict[tuple[str, tuple[int, ...]], "_Judged | None"]  # (sentence, markers) -> verdict


def verify_answer(draft: str, language: str, passages: Sequence[Hit],
                  checker: SupportChecker, judged: Judgments | None = None) -> Checked:
    """Keep the supported sentences of a draft, line by line, with citations renumbered in
    order of first use (`judged`: verdicts already reached, reused and added to)."""
    known: Judgments = {} if judged is None else judged
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
            key = (claim.text, claim.markers)
            if key not in known:
                known[key] = _judge(claim.text, language, passages, claim.markers, checker)
            verdict = known[key]
            if verdict is None:
                dropped.append(claim.text)
                continue
            repaired += verdict.repaired
            kept_total += 1
            marks = "".join(f"[{order.setdefault(n, len(order) + 1)}]" for n in verdict.cites)
            kept.append(f"{verdict.sentence} {marks}")
        if kept:
            bullet = "- " if BULLET.match(line) else ""
            lines.append(bullet + " ".join(kept))
    cites = tuple(citation(k, passages[n - 1]) for n, k in order.items())
    verification = Verification(kept=kept_total, dropped=len(dropped), repaired=repaired)
    return Checked("\n".join(lines), cites, verification, tuple(dropped))


def settled(draft: str) -> str:
    """The part of a draft being written that more text cannot change: its finished lines,
    and on the last line the sentences up to the last one that carries its own markers (an
    unmarked sentence takes the markers of the next marked one)."""
    head, newline, last = draft.rpartition("\n")
    end = start = 0
    for stop in _NEXT_SENTENCE.finditer(last):
        if MARKER.search(last, start, stop.end()):
            end = stop.end()
        start = stop.end()
    return head + newline + last[:end]


@dataclass
class StreamGate:
    """The gate while a model writes: `feed` it the draft so far and get the checked text
    that was added, so a sentence is shown only once it has passed; `result` checks the
    whole draft with the same verdicts (no sentence is judged twice)."""

    language: str
    passages: Sequence[Hit]
    checker: SupportChecker
    shown: str = ""
    judged: Judgments = field(default_factory=dict)
    _done: str = ""

    def feed(self, draft: str) -> str:
        """The checked text the draft's newly settled sentences add ("" when none)."""
        part = settled(draft)
        if part == self._done:
            return ""
        self._done = part
        text = verify_answer(part, self.language, self.passages, self.checker,
                             self.judged).text
        if text == self.shown or not text.startswith(self.shown):
            return ""  # nothing new passed (or it would change what is shown: left for the end)
        added, self.shown = text[len(self.shown):], text
        return added

    def result(self, draft: str) -> Checked:
        """The whole draft checked."""
        return verify_answer(draft, self.language, self.passages, self.checker, self.judged)
