"""Run a system over the cases, score every case, summarise, and check the gate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.core.types import Answer
from assistant.pipeline.support import SupportChecker
from evals.cases import Case
from evals.judge import judged_claims
from evals.scorers import (
    citation_problems,
    claim_scores,
    crag,
    key_fact_recall,
    language_match,
    percentile,
    recall_at,
    reciprocal_rank,
    share,
)
from evals.systems import Outcome, System

KS = (1, 3, 5, 10)
PAIRS = ("sv->sv", "en->en", "en->sv", "sv->en")
# The gate: the least each metric may be (false refusals: the most).
THRESHOLDS = {
    "recall@5": 0.95,  # every language pair
    "citation_validity": 1.0,
    "faithfulness": 0.98,
    "language_match": 1.0,
    "correct_abstention": 0.9,
    "key_fact_recall": 0.85,
}
MAX_FALSE_REFUSALS = 0.05


def foreign_quotes(answer: Answer) -> list[str]:
    """Quotes of sources that exist only in another language than the answer's."""
    return [c.source_text for c in answer.citations
            if c.language and c.language != answer.language and not c.original]


@dataclass
class CaseResult:
    """Every number for one case, and the reasons it fails (empty when it passes)."""

    case: Case
    scores: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    answer: str = ""
    unsupported: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether every check on this case held."""
        return not self.failures


def _retrieval(case: Case, outcome: Outcome) -> dict[str, float]:
    scores = {f"recall@{k}": recall_at(outcome.ranked, case.gold, k) for k in KS}
    scores["rr"] = reciprocal_rank(outcome.ranked, case.gold)
    if outcome.hidden is not None:
        scores |= {f"hidden_recall@{k}": recall_at(outcome.hidden, case.gold, k) for k in KS}
        scores["hidden_rr"] = reciprocal_rank(outcome.hidden, case.gold)
    return scores


def _failures(case: Case, scores: dict[str, float], problems: list[str]) -> list[str]:
    checks = [
        (scores["language_match"] < 1, "answer not in the question's language"),
        (scores["claims"] > scores["grounded"], "a sentence no retrieved passage supports"),
        (bool(problems), "; ".join(problems)),
    ]
    if case.answerable:
        checks += [
            (scores["recall@5"] < 1,
             f"gold passages missing from the top 5 ({scores['recall@5']:.2f})"),
            (bool(scores["abstained"]), "refused an answerable question"),
            (scores["key_facts"] < 1 and not scores["abstained"],
             f"key facts missing ({scores['key_facts']:.2f})"),
        ]
    else:
        checks.append((not scores["abstained"], "answered an unanswerable question"))
    return [reason for failed, reason in checks if failed]


def score(case: Case, outcome: Outcome, checker: SupportChecker,
          documents: Mapping[str, str], judge: BaseChatModel | None = None) -> CaseResult:
    """All numbers for one case (and the LLM judge's, when one is given)."""
    answer = outcome.answer
    claims = claim_scores(answer, case.language, checker, outcome.retrieved_texts)
    checked = [citation_problems(c, answer.retrieved, documents) for c in answer.citations]
    problems = [p for found in checked for p in found]
    facts = key_fact_recall(answer.text, case.key_facts)
    scores = {
        "claims": claims.claims, "supported": claims.supported, "grounded": claims.grounded,
        "citation_uses": claims.citations, "precise": claims.precise,
        "citations": len(answer.citations), "valid_citations": sum(not f for f in checked),
        "language_match": language_match(answer.text, case.language, foreign_quotes(answer)),
        "abstained": float(answer.abstained),
        "key_facts": facts,
        "crag": crag(case.answerable, answer.abstained, facts),
        "retrieve_ms": outcome.retrieve_ms, "answer_ms": outcome.answer_ms,
        "answer_chars": len(answer.text),
    }
    if answer.confidence is not None:
        scores["confidence"] = answer.confidence
    if case.answerable:
        scores |= _retrieval(case, outcome)
    if judge is not None:
        scores["judge_claims"], scores["judge_supported"] = judged_claims(judge, answer)
    if outcome.draft is not None:
        before = claim_scores(outcome.draft, case.language, checker, outcome.retrieved_texts)
        scores |= {"draft_claims": before.claims, "draft_grounded": before.grounded}
    return CaseResult(case, scores, _failures(case, scores, problems), answer.text,
                      claims.unsupported)


def evaluate(system: System, cases: list[Case], checker: SupportChecker,
             documents: Mapping[str, str], progress: Callable[[int], None] | None = None,
             judge: BaseChatModel | None = None) -> list[CaseResult]:
    """Run and score every case."""
    results = []
    for case in cases:
        results.append(score(case, system.run(case), checker, documents, judge))
        if progress:
            progress(len(results))
    return results


def _mean(results: list[CaseResult], key: str) -> float:
    return share(sum(r.scores[key] for r in results), len(results), 0.0)


def _mean_or_none(results: list[CaseResult], key: str) -> float | None:
    """The mean, or None when no case of that kind was run (a subset)."""
    return _mean(results, key) if results else None


def _total(results: list[CaseResult], key: str) -> float:
    return sum(r.scores[key] for r in results)


def _before_gate(results: list[CaseResult]) -> float | None:
    """Faithfulness of the generated drafts, before the verification gate (None for the
    extractive backend, which writes no draft)."""
    drafted = [r for r in results if "draft_claims" in r.scores]
    if not drafted:
        return None
    return share(_total(drafted, "draft_grounded"), _total(drafted, "draft_claims"))


def _judged(results: list[CaseResult]) -> float | None:
    """The LLM judge's faithfulness (None when no judge was asked)."""
    judged = [r for r in results if "judge_claims" in r.scores]
    if not judged:
        return None
    return share(_total(judged, "judge_supported"), _total(judged, "judge_claims"))


def retrieval_summary(results: list[CaseResult], prefix: str = "") -> dict[str, dict[str, float]]:
    """Recall@k and MRR per language pair, over the answerable cases (`prefix` "hidden_":
    the cross-lingual cases with the question-language translation hidden)."""
    out = {}
    for pair in PAIRS:
        mine = [r for r in results if r.case.answerable and r.case.pair == pair
                and f"{prefix}rr" in r.scores]
        if mine:
            row = {f"recall@{k}": _mean(mine, f"{prefix}recall@{k}") for k in KS}
            out[pair] = row | {"mrr": _mean(mine, f"{prefix}rr"), "cases": len(mine)}
    return out


def summarise(results: list[CaseResult]) -> dict[str, object]:
    """The headline metrics of one system over all cases."""
    answerable = [r for r in results if r.case.answerable]
    refusable = [r for r in results if not r.case.answerable]
    latency = {key: {"p50": percentile([r.scores[key] for r in results], 50),
                     "p95": percentile([r.scores[key] for r in results], 95)}
               for key in ("retrieve_ms", "answer_ms")}
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "retrieval": retrieval_summary(results),
        "retrieval_translation_hidden": retrieval_summary(results, "hidden_"),
        "citation_validity": share(_total(results, "valid_citations"),
                                   _total(results, "citations")),
        "citation_recall": share(_total(results, "supported"), _total(results, "claims")),
        "citation_precision": share(_total(results, "precise"),
                                    _total(results, "citation_uses")),
        "faithfulness": share(_total(results, "grounded"), _total(results, "claims")),
        "faithfulness_before_gate": _before_gate(results),
        "faithfulness_llm_judge": _judged(results),
        "key_fact_recall": _mean_or_none(answerable, "key_facts"),
        "language_match": _mean(results, "language_match"),
        "correct_abstention": _mean_or_none(refusable, "abstained"),
        "false_refusals": _mean_or_none(answerable, "abstained"),
        "crag": _mean(results, "crag"),
        "answer_chars": _mean_or_none(answerable, "answer_chars"),
        "latency_ms": latency,
    }


def _failing(results: list[CaseResult], test: Callable[[CaseResult], bool]) -> str:
    return ", ".join(r.case.id for r in results if test(r)) or "-"


def gate(summary: dict[str, Any], results: list[CaseResult]) -> list[str]:
    """Every gate threshold the summary misses, with the cases that miss it."""
    found = []
    for pair, row in summary["retrieval"].items():
        if row["recall@5"] < THRESHOLDS["recall@5"]:
            missed = [r for r in results if r.case.pair == pair and r.case.answerable]
            ids = _failing(missed, lambda r: r.scores["recall@5"] < 1)
            found.append(f"recall@5 {pair} {row['recall@5']:.3f} < 0.95: {ids}")
    per_case = {
        "citation_validity": lambda r: r.scores["valid_citations"] < r.scores["citations"],
        "faithfulness": lambda r: r.scores["grounded"] < r.scores["claims"],
        "language_match": lambda r: r.scores["language_match"] < 1,
        "correct_abstention": lambda r: not r.case.answerable and not r.scores["abstained"],
        "key_fact_recall": lambda r: r.case.answerable and r.scores["key_facts"] < 1,
    }
    for metric, test in per_case.items():
        if summary[metric] is not None and summary[metric] < THRESHOLDS[metric]:
            found.append(f"{metric} {summary[metric]:.3f} < {THRESHOLDS[metric]}: "
                         f"{_failing(results, test)}")
    if summary["false_refusals"] is not None and summary["false_refusals"] > MAX_FALSE_REFUSALS:
        ids = _failing(results, lambda r: r.case.answerable and bool(r.scores["abstained"]))
        found.append(f"false_refusals {summary['false_refusals']:.3f} > "
                     f"{MAX_FALSE_REFUSALS}: {ids}")
    return found
