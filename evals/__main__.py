"""`python -m evals`: retrieval hit rate, answer checks and latency on a question set."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml

from assistant.service import Assistant, load_assistant
from assistant.settings import REPO_ROOT, Settings
from evals.scorers import answer_scores, hit_at, percentile, reciprocal_rank

DEFAULT_CASES = REPO_ROOT / "tests" / "data" / "questions.yaml"
KS = (1, 3, 5)


def score_case(assistant: Assistant, case: dict) -> dict[str, float]:
    """All numbers for one case."""
    gold, answerable = set(case.get("gold", [])), case.get("answerable", True)
    started = time.perf_counter()
    hits = assistant.retriever.hits(case["q"], case["lang"], max(KS))
    retrieve_ms = (time.perf_counter() - started) * 1000
    answer = assistant.ask(case["q"])
    row = {"retrieve_ms": retrieve_ms, "answer_ms": answer.timings_ms["total"]}
    row |= answer_scores(answer, gold, answerable, case["lang"])
    if answerable:
        ranked = [h.chunk.block_id for h in hits]
        row |= {f"hit@{k}": hit_at(ranked, gold, k) for k in KS}
        row["mrr"] = reciprocal_rank(ranked, gold)
    return row


def summarise(cases: list[dict], rows: list[dict[str, float]]) -> dict[str, float]:
    """Averages per language for retrieval and answers, and latency percentiles."""
    out: dict[str, float] = {}
    for lang in ("sv", "en"):
        mine = [r for c, r in zip(cases, rows, strict=True) if c["lang"] == lang]
        answerable = [r for r in mine if "mrr" in r]
        for key in (*(f"hit@{k}" for k in KS), "mrr", "cites_gold", "false_refusal"):
            out[f"{lang}.{key}"] = sum(r[key] for r in answerable) / max(len(answerable), 1)
        refusals = [r["correct_abstention"] for r in mine if "mrr" not in r]
        out[f"{lang}.correct_abstention"] = sum(refusals) / max(len(refusals), 1)
        out[f"{lang}.language_match"] = sum(r["language_match"] for r in mine) / len(mine)
    for key in ("retrieve_ms", "answer_ms"):
        values = [r[key] for r in rows]
        out[f"{key}.p50"], out[f"{key}.p95"] = percentile(values, 50), percentile(values, 95)
    return {k: round(v, 3) for k, v in out.items()}


def main() -> int:
    """Run the question set against the current index and print the summary as JSON."""
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    args = parser.parse_args()
    settings = Settings()
    assistant = load_assistant(settings.index_dir, settings.embedder, settings.backend)
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))
    rows = [score_case(assistant, case) for case in cases]
    print(json.dumps({"cases": len(cases), **summarise(cases, rows)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
