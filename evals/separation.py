"""How well the decision's probability tells answerable from unanswerable cases, read from
the scored cases of a report: the reliability table (predicted against observed), the ROC AUC
(`separation`) and what a threshold on it can reach (`trade_off`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sklearn.metrics import roc_auc_score

BINS = 10


def _scored(cases: Sequence[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """(the decision's confidence, 1.0 if the documents answer the case) per scored case."""
    return [(c["scores"]["confidence"], float(c["answerable"])) for c in cases
            if "confidence" in c["scores"]]


def reliability(cases: Sequence[Mapping[str, Any]], bins: int = BINS) -> list[dict[str, float]]:
    """Predicted against observed: the decision's confidence for each case's best passage,
    binned, beside the share of the bin's cases that the documents answer."""
    scored = _scored(cases)
    out = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [(p, a) for p, a in scored if low <= p < high or (i == bins - 1 and p == 1.0)]
        if inside:
            out.append({"low": low, "high": high, "cases": len(inside),
                        "predicted": sum(p for p, _ in inside) / len(inside),
                        "observed": sum(a for _, a in inside) / len(inside)})
    return out


def separation(cases: Sequence[Mapping[str, Any]]) -> float | None:
    """The ROC AUC of the decision's confidence over answerable and unanswerable cases (None
    unless there are both): a threshold only picks a point on the curve it sums up."""
    scored = _scored(cases)
    if len({answerable for _, answerable in scored}) < 2:
        return None
    return float(roc_auc_score([a for _, a in scored], [p for p, _ in scored]))


def trade_off(cases: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
    """What a threshold on the decision's confidence alone can reach: with each case's
    confidence as the threshold, the share of unanswerable cases refused
    (`correct_abstention`) and of answerable ones refused (`false_refusals`), lowest threshold
    first, leaving out a threshold when another refuses at least as many unanswerable and at
    most as many answerable cases (`_beats`). A case is refused when its confidence is below
    the threshold, as in `decide`. Only the decision is read: cases refused before it (no
    confidence) are left out, and a case it accepts that a later check refuses counts as
    answered, so a point can differ from the report's own figures by such cases. Refusing
    every case, the trivial end, is left out. Empty unless there are both kinds."""
    scored = _scored(cases)
    answerable = sum(a for _, a in scored)
    unanswerable = len(scored) - answerable
    if not answerable or not unanswerable:
        return []
    points = []
    for threshold in sorted({p for p, _ in scored}):
        refused = [a for p, a in scored if p < threshold]
        points.append({"threshold": threshold,
                       "correct_abstention": (len(refused) - sum(refused)) / unanswerable,
                       "false_refusals": sum(refused) / answerable})
    return [p for p in points if not any(_beats(q, p) for q in points)]


def _beats(q: Mapping[str, float], p: Mapping[str, float]) -> bool:
    """q refuses at least as many unanswerable and at most as many answerable cases as p,
    and is strictly better on one."""
    return (q["correct_abstention"] >= p["correct_abstention"]
            and q["false_refusals"] <= p["false_refusals"]
            and (q["correct_abstention"], q["false_refusals"])
            != (p["correct_abstention"], p["false_refusals"]))
