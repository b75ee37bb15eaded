"""The benchmark's table: each metric with its target, ours against the baseline, as rows and
as the Markdown page `bench/latest.md`. Pure: numbers in, text out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SYSTEMS = ("ours", "baseline")


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline (None when either is missing or the baseline is not positive)."""
    if ours is None or baseline is None or baseline <= 0:
        return None
    return round(ours / baseline, 3)


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path in nested mappings (None where any part is missing)."""
    for key in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


@dataclass(frozen=True)
class Metric:
    """A row of the table: where each system's value is, its unit, and our target."""

    name: str
    path: str  # dotted, into one system's results
    unit: str = ""  # "s", "ms", "MB", or "" for a share
    target: float | None = None
    higher_is_better: bool = False

    def met(self, value: float | None) -> bool | None:
        """Whether a value meets the target (None: no target, or nothing measured)."""
        if self.target is None or value is None:
            return None
        return value >= self.target if self.higher_is_better else value < self.target

    @property
    def target_text(self) -> str:
        """The target as written in the table, e.g. "< 50 ms" or ">= 0.95"."""
        if self.target is None:
            return ""
        sign = ">=" if self.higher_is_better else "<"
        return f"{sign} {self.target:g}{' ' + self.unit if self.unit else ''}"


def metrics(llm_cases: int) -> list[Metric]:
    """Every row of the table, in order."""
    from evals.run import PAIRS, THRESHOLDS

    recall, faithful = THRESHOLDS["recall@5"], THRESHOLDS["faithfulness"]
    llm = f"llamacpp, n={llm_cases}"
    return [
        Metric("cold start: open built index, first answer (s)", "serve.first_answer_s", "s", 5),
        Metric("cold start: empty data folder, ingest + first answer (s)",
               "ingest.first_answer_s", "s"),
        Metric("ingest: full corpus into an empty folder (s)", "ingest.ingested_s", "s"),
        Metric("retrieval p50, warm (ms)", "serve.retrieve_ms.p50", "ms"),
        Metric("retrieval p95, warm (ms)", "serve.retrieve_ms.p95", "ms", 50),
        Metric("answer p50, extractive, warm (ms)", "serve.answer_ms.p50", "ms"),
        Metric("answer p95, extractive, warm (ms)", "serve.answer_ms.p95", "ms", 100),
        Metric(f"answer p50, {llm} (ms)", "llm.answer_ms.p50", "ms"),
        Metric(f"answer p95, {llm} (ms)", "llm.answer_ms.p95", "ms"),
        Metric("peak memory: ingest + first answer (MB)", "ingest.peak_rss_mb", "MB"),
        Metric("peak memory: answering and scoring all cases (MB)", "serve.peak_rss_mb", "MB"),
        Metric(f"peak memory: answering with {llm} (MB)", "llm.peak_rss_mb", "MB"),
        *(Metric(f"recall@5 {pair}", f"serve.recall@5.{pair}", "", recall, True)
          for pair in PAIRS),
        Metric("recall@5 overall", "serve.recall@5.overall", "", recall, True),
        Metric("faithfulness, extractive", "serve.faithfulness", "", faithful, True),
        Metric(f"faithfulness, {llm}", "llm.faithfulness", "", faithful, True),
    ]


def rows(systems: Mapping[str, Any], table: Sequence[Metric]) -> list[dict[str, Any]]:
    """Each metric's value per system, ours/baseline, the target and whether ours meets it."""
    out = []
    for metric in table:
        ours, baseline = (lookup(systems.get(s), metric.path) for s in SYSTEMS)
        out.append({"metric": metric.name, "unit": metric.unit, "ours": ours,
                    "baseline": baseline, "ratio": ratio(ours, baseline),
                    "target": metric.target_text, "met": metric.met(ours)})
    return out


def fmt(value: float | None, unit: str) -> str:
    """A value as the table shows it ("–" when not measured)."""
    if value is None:
        return "–"
    digits = {"s": 2, "ms": 1, "MB": 0, "ratio": 2}.get(unit, 3)
    return f"{value:,.{digits}f}"


def verdict(row: Mapping[str, Any]) -> str:
    """The target cell: "< 5 s: met", "... not met", "... not measured", or "–"."""
    if not row["target"]:
        return "–"
    word = {True: "met", False: "**not met**", None: "not measured"}[row["met"]]
    return f"{row['target']}: {word}"


def markdown(table: Sequence[Mapping[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = ["| metric | ours | baseline | ours/baseline | target |",
             "|---|---:|---:|---:|---|"]
    lines += [f"| {r['metric']} | {fmt(r['ours'], r['unit'])} | {fmt(r['baseline'], r['unit'])}"
              f" | {fmt(r['ratio'], 'ratio')} | {verdict(r)} |" for r in table]
    return "\n".join(lines)


def render(report: Mapping[str, Any]) -> str:
    """The Markdown page: what was measured where, the table, the notes."""
    m = report["machine"]
    head = (f"`{report['command']}` · {report['generated']} · {report['cases']['count']} cases "
            f"· embedder {report['embedder']} · {m['cpu']}, {m['cores']} cores, "
            f"{m['ram_gb']} GB, {m['os']}, Python {m['python']} · {report['seconds']:.0f} s")
    notes = "".join(f"\n- {note}" for note in report["notes"])
    return f"{head}\n\n{markdown(report['rows'])}\n{notes}\n"
