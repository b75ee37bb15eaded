"""The blind sets (`evals/blind/*.yaml`): written from the documents alone, frozen before any
tuning, never tuned on. `python -m evals --blind` runs each through our pipeline and writes
`blind.json`: per set, its size and the headline figures. The development sets
(`evals/dev/*.yaml`, `--dev`, `dev.json`) are written alike, and may be tuned on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError
from assistant.pipeline.service import Assistant
from assistant.pipeline.support import SupportChecker
from evals.cases import load_cases
from evals.report import case_rows
from evals.run import CaseResult, evaluate, summarise
from evals.separation import reliability, separation, trade_off
from evals.systems import Pipeline

BLIND_DIR = Path(__file__).resolve().parent / "blind"
# Development sets: written the same way after the blind sets were frozen, and tuned on.
DEV_DIR = Path(__file__).resolve().parent / "dev"


def blind_sets(folder: Path = BLIND_DIR) -> list[Path]:
    """The set files of a folder (the blind ones unless told), by name."""
    return sorted(folder.glob("*.yaml"))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def set_figures(results: list[CaseResult]) -> dict[str, Any]:
    """One set's size and headline figures, as `blind.json` holds them."""
    summary, rows = summarise(results), case_rows(results)
    retrieval: dict[str, dict[str, float]] = summary["retrieval"]  # type: ignore[assignment]
    return {
        "n": len(results),
        "answerable": sum(r.case.answerable for r in results),
        "unanswerable": sum(not r.case.answerable for r in results),
        "recall_at_5": {pair: round(row["recall@5"], 3) for pair, row in retrieval.items()},
        "key_facts": _round(summary["key_fact_recall"]),  # type: ignore[arg-type]
        "correct_abstention": _round(summary["correct_abstention"]),  # type: ignore[arg-type]
        "false_refusals": _round(summary["false_refusals"]),  # type: ignore[arg-type]
        "language_match": _round(summary["language_match"]),  # type: ignore[arg-type]
        "separation_auc": _round(separation(rows)),
        "reliability": reliability(rows),
        "trade_off": [{"threshold": p["threshold"],
                       "correct_abstention": _round(p["correct_abstention"]),
                       "false_refusals": _round(p["false_refusals"])} for p in trade_off(rows)],
        "failed": [{"id": r.case.id, "failures": r.failures} for r in results if r.failures],
    }


def run_blind(assistant: Assistant, checker: SupportChecker, documents: dict[str, str],
              folder: Path = BLIND_DIR) -> dict[str, dict[str, Any]]:
    """Every set in the folder (the blind ones unless told) through the pipeline: {set
    name: figures}."""
    paths = blind_sets(folder)
    if not paths:
        raise AssistantError(f"No evaluation sets (*.yaml) in {folder}; restore the folder "
                             "from git.")
    per_set = {path.stem: evaluate(Pipeline(assistant), load_cases(path), checker, documents)
               for path in paths}
    out = {name: set_figures(results) for name, results in per_set.items()}
    if len(per_set) > 1:
        out["all"] = set_figures([r for results in per_set.values() for r in results])
    return out
