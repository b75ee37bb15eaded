"""Small scorers, each returning named numbers."""

from __future__ import annotations

import statistics

from assistant.types import Answer


def hit_at(ranked: list[str], gold: set[str], k: int) -> float:
    """1.0 when any gold id is among the first k, else 0.0."""
    return float(bool(gold & set(ranked[:k])))


def reciprocal_rank(ranked: list[str], gold: set[str]) -> float:
    """1 / rank of the first gold id (0 when none is ranked)."""
    return next((1.0 / i for i, r in enumerate(ranked, start=1) if r in gold), 0.0)


def answer_scores(answer: Answer, gold: set[str], answerable: bool, lang: str) -> dict[str, float]:
    """Language match, abstention correctness and whether a gold passage is cited."""
    cited = {c.chunk_id.split(":")[1] for c in answer.citations}
    return {
        "language_match": float(answer.language == lang),
        "correct_abstention": float(answer.abstained) if not answerable else 0.0,
        "false_refusal": float(answer.abstained) if answerable else 0.0,
        "cites_gold": float(bool(cited & gold)) if answerable else 0.0,
    }


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (nearest rank) of a list of numbers."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
