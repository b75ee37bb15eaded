"""Scorers: small pure functions from one answer (or one ranking) to named numbers."""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from assistant.core.language import sv_or_en
from assistant.core.text import split_sentences
from assistant.core.types import Answer, Citation
from assistant.pipeline.answer import FRAMING, PARALLEL_LABELS
from assistant.pipeline.citations import MARKER, Claim, claims
from assistant.pipeline.support import SupportChecker

Ranked = Sequence[Collection[str]]  # the passage ids each rank brings (a list brings its items)
_MARKUP = re.compile(r"[*_`]+")
_BRACKETS = re.compile(r"\([^)]*\)")
_QUOTED = re.compile(r"“([^”]+)”")


def recall_at(ranked: Ranked, gold: Collection[str], k: int) -> float:
    """Share of the gold passages found in the first k ranks."""
    found = set().union(*ranked[:k]) if ranked[:k] else set()
    return len(found & set(gold)) / len(gold) if gold else 0.0


def reciprocal_rank(ranked: Ranked, gold: Collection[str]) -> float:
    """1 / the first rank that brings a gold passage (0 when none does)."""
    wanted = set(gold)
    return next((1.0 / i for i, ids in enumerate(ranked, start=1) if wanted & set(ids)), 0.0)


def normalise(text: str) -> str:
    """Lower case, markers and markup removed, whitespace collapsed, curly quotes straight."""
    text = _MARKUP.sub("", MARKER.sub(" ", text))
    text = text.replace("’", "'").replace("‘", "'").replace("”", '"').replace("“", '"')
    return " ".join(text.casefold().split())


def key_fact_recall(text: str, key_facts: Sequence[Sequence[str]]) -> float:
    """Share of the key facts stated in the text (any accepted alternative counts)."""
    if not key_facts:
        return 0.0
    haystack = normalise(text)
    found = sum(any(normalise(alt) in haystack for alt in fact) for fact in key_facts)
    return found / len(key_facts)


def language_match(text: str, language: str, foreign: Collection[str] = ()) -> float:
    """1.0 when most of the answer (by characters, names in brackets aside) is written in
    the wanted language, judged sentence by sentence. `foreign`: quotes of sources that
    exist only in another language (an English convention in a Swedish answer), which are
    shown as they are and not counted."""
    def plain(part: str) -> str:
        return _BRACKETS.sub(" ", MARKER.sub(" ", _MARKUP.sub("", part)))

    quotes = [" ".join(plain(q).split()) for q in foreign]
    text = "\n".join(_without_parallel(line) for line in text.splitlines())
    votes = {"sv": 0, "en": 0}
    for line in plain(text).splitlines():
        for sentence in split_sentences(line):
            if any(" ".join(sentence.strip(" -").split()) in quote for quote in quotes):
                continue
            votes[sv_or_en(sentence)] += len(sentence)
    if not any(votes.values()):
        return 0.0
    return float(max(votes, key=lambda k: votes[k]) == language)


def _without_parallel(line: str) -> str:
    """A line showing the text in the language whose wording was asked for, without that
    text (it is in the other language by request); any other line as it is."""
    if not line.strip(" -").startswith(PARALLEL_LABELS):
        return line
    return _QUOTED.sub(" ", line)


def crag(answerable: bool, abstained: bool, facts: float) -> int:
    """CRAG-style score: +1 correct, 0 abstained on an answerable case, -1 wrong.

    Correct is a refusal of an unanswerable case, or an answer stating every key fact.
    """
    if abstained:
        return 0 if answerable else 1
    return 1 if answerable and facts == 1.0 else -1


def citation_problems(citation: Citation, retrieved: Collection[str],
                      documents: Mapping[str, str]) -> list[str]:
    """Why a citation is invalid: not retrieved, or its quote is not verbatim in its source."""
    found = []
    if citation.chunk_id not in retrieved:
        found.append(f"[{citation.n}] cites {citation.chunk_id}, which was not retrieved")
    if citation.quote not in documents.get(citation.doc_id, ""):
        found.append(f"[{citation.n}] quote is not verbatim in {citation.doc_id}")
    if citation.original and not any(citation.original in t for t in documents.values()):
        found.append(f"[{citation.n}] original text is not verbatim in any source")
    return found


@dataclass(frozen=True)
class ClaimScores:
    """ALCE-style counts for one answer."""

    claims: int = 0
    supported: int = 0  # supported by the passages the sentence cites (citation recall)
    grounded: int = 0  # supported by some retrieved passage (faithfulness)
    citations: int = 0  # citation uses, one per marker per sentence
    precise: int = 0  # citations that support alone or that the support needs
    unsupported: tuple[str, ...] = ()


def _precise(checker: SupportChecker, claim: Claim, language: str,
             cited: Mapping[int, str]) -> int:
    """ALCE precision: a citation counts when it supports the sentence alone, or when the
    other citations no longer do without it."""
    count = 0
    for n in claim.markers:
        others = [cited[m] for m in claim.markers if m != n]
        alone = checker.judge(claim.text, language, [cited[n]]).supported
        needed = bool(others) and not checker.judge(claim.text, language, others).supported
        count += alone or needed
    return count


def claim_scores(answer: Answer, language: str, checker: SupportChecker,
                 retrieved_texts: Sequence[str]) -> ClaimScores:
    """Citation recall and precision in the manner of ALCE, and faithfulness to the
    retrieved passages, judged by the offline support check."""
    # A passage's text in the language whose wording was asked for is quoted beside it.
    cited = {c.n: " ".join(t for t in (c.source_text, c.parallel) if t)
             for c in answer.citations}
    supported = grounded = uses = precise = 0
    unsupported = []
    found = claims(answer.text, FRAMING)
    for claim in found:
        markers = [n for n in claim.markers if n in cited]
        uses += len(claim.markers)
        ok = bool(markers) and checker.judge(
            claim.text, language, [cited[n] for n in markers]).supported
        supported += ok
        if ok:
            precise += _precise(checker, Claim(claim.text, tuple(markers)), language, cited)
        backed = ok or any(checker.judge(claim.text, language, [t]).supported
                           for t in retrieved_texts)
        grounded += backed
        if not backed:
            unsupported.append(claim.text)
    return ClaimScores(len(found), supported, grounded, uses, precise, tuple(unsupported))


def share(part: float, whole: float, empty: float = 1.0) -> float:
    """part / whole, or `empty` when there is nothing to count."""
    return part / whole if whole else empty


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method) of a list of numbers."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
