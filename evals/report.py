"""The evaluation report: a rich table in the terminal, `latest.json`, and a self-contained
HTML page with plots (recall@k per language pair, headline metrics, pass/fail per case)."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from evals.run import KS, MAX_FALSE_REFUSALS, PAIRS, THRESHOLDS, CaseResult  # noqa: E402
from evals.separation import reliability  # noqa: E402

HEADLINE = ("citation_validity", "citation_recall", "citation_precision", "faithfulness",
            "faithfulness_before_gate", "faithfulness_llm_judge",
            "key_fact_recall", "language_match", "correct_abstention", "false_refusals", "crag")
COLOURS = {"ours": "#1f6f8b", "baseline": "#c8553d"}


def case_rows(results: list[CaseResult]) -> list[dict[str, Any]]:
    """Per-case records for the JSON report."""
    return [{"id": r.case.id, "question": r.case.question, "language": r.case.language,
             "pair": r.case.pair, "kind": r.case.kind, "group": r.case.group,
             "answerable": r.case.answerable, "passed": r.passed, "failures": r.failures,
             "scores": {k: round(v, 4) for k, v in r.scores.items()}, "answer": r.answer,
             "unsupported_sentences": list(r.unsupported)} for r in results]


def ratios(ours: Mapping[str, Any], baseline: Mapping[str, Any]) -> dict[str, float | None]:
    """ours / baseline for every headline metric where higher is better, and recall@5 per
    pair (None when the baseline scores 0 or less, or a metric was not measured)."""
    out: dict[str, float | None] = {}
    for key in HEADLINE:
        out[key] = None if key == "false_refusals" else _ratio(ours.get(key), baseline.get(key))
    for pair, row in ours["retrieval"].items():
        out[f"recall@5 {pair}"] = _ratio(row["recall@5"], baseline["retrieval"][pair]["recall@5"])
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b is not None and b > 0 else None


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write the report as JSON (creating the folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _svg(figure: plt.Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def recall_plot(systems: Mapping[str, Mapping[str, Any]]) -> str:
    """Recall@k curves, one panel per language pair, every system (and the cross-lingual
    pairs again with the question-language translation hidden, dashed)."""
    figure, axes = plt.subplots(1, len(PAIRS), figsize=(4 * len(PAIRS), 3.2), sharey=True)
    for ax, pair in zip(axes, PAIRS, strict=True):
        for name, system in systems.items():
            for key, style in (("retrieval", "-"), ("retrieval_translation_hidden", "--")):
                row = system["summary"].get(key, {}).get(pair)
                if row:
                    label = name + (" (translation hidden)" if style == "--" else "")
                    ax.plot(KS, [row[f"recall@{k}"] for k in KS], style, marker="o",
                            color=COLOURS.get(name), label=label)
        ax.set_title(pair)
        ax.set_xticks(KS)
        ax.set_xlabel("k")
        ax.set_ylim(0, 1.02)
        ax.axhline(THRESHOLDS["recall@5"], color="grey", linewidth=0.6, linestyle=":")
    axes[0].set_ylabel("recall@k")
    labelled = {label: handle for ax in axes
                for handle, label in zip(*ax.get_legend_handles_labels(), strict=True)}
    if labelled:
        figure.legend(labelled.values(), labelled.keys(), loc="lower center", ncol=4, fontsize=8,
                      bbox_to_anchor=(0.5, -0.12))
    return _svg(figure)


def metrics_plot(systems: Mapping[str, Mapping[str, Any]]) -> str:
    """The headline metrics side by side for every system."""
    figure, ax = plt.subplots(figsize=(10, 3.5))
    width = 0.8 / len(systems)
    for i, (name, system) in enumerate(systems.items()):
        values = [system["summary"].get(key) or 0.0 for key in HEADLINE]
        ax.bar([x + i * width for x in range(len(HEADLINE))], values, width,
               label=name, color=COLOURS.get(name))
    ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(HEADLINE))])
    ax.set_xticklabels([k.replace("_", "\n") for k in HEADLINE], fontsize=8)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend()
    return _svg(figure)


def reliability_plot(cases: Sequence[Mapping[str, Any]]) -> plt.Figure:
    """The reliability plot: predicted against observed, with the diagonal and the bin sizes."""
    rows = reliability(cases)
    figure, ax = plt.subplots(figsize=(4.2, 4))
    ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
    ax.plot([r["predicted"] for r in rows], [r["observed"] for r in rows], "o-",
            color=COLOURS["ours"])
    for row in rows:
        ax.annotate(str(row["cases"]), (row["predicted"], row["observed"]), fontsize=7,
                    xytext=(3, -9), textcoords="offset points")
    ax.set_xlabel("predicted (best passage's probability)")
    ax.set_ylabel("observed (share answerable)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    return figure


def cases_plot(systems: Mapping[str, Mapping[str, Any]]) -> str:
    """Pass (green) or fail (red) for every case and system."""
    names = list(systems)
    cases = systems[names[0]]["cases"]
    grid = [[1.0 if c["passed"] else 0.0 for c in systems[n]["cases"]] for n in names]
    figure, ax = plt.subplots(figsize=(max(8, len(cases) * 0.12), 0.5 + 0.45 * len(names)))
    ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_xticks(range(len(cases)))
    ax.set_xticklabels([c["id"] for c in cases], rotation=90, fontsize=5)
    return _svg(figure)


def _summary_table(report: Mapping[str, Any]) -> str:
    systems = report["systems"]
    names = list(systems)
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    rows = []
    for metric, values, target in metric_rows(report):
        cells = "".join(f"<td>{_fmt(v)}</td>" for v in values)
        rows.append(f"<tr><th>{html.escape(metric)}</th>{cells}<td>{html.escape(target)}</td></tr>")
    return (f"<table><tr><th>metric</th>{head}<th>ours / baseline</th><th>gate</th></tr>"
            + "".join(rows) + "</table>")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else html.escape(str(value))


def metric_rows(report: Mapping[str, Any]) -> list[tuple[str, list[Any], str]]:
    """(metric, [value per system..., ratio], gate) rows for the tables."""
    systems = report["systems"]
    ratio = report.get("ratio", {})
    rows = []
    for pair in PAIRS:
        values = [s["summary"]["retrieval"].get(pair, {}).get("recall@5") for s in systems.values()]
        rows.append((f"recall@5 {pair}", [*values, ratio.get(f"recall@5 {pair}")],
                     f">= {THRESHOLDS['recall@5']}"))
        hidden = [s["summary"]["retrieval_translation_hidden"].get(pair, {}).get("recall@5")
                  for s in systems.values()]
        if any(v is not None for v in hidden):
            rows.append((f"recall@5 {pair}, translation hidden", [*hidden, None], "reported"))
    for key in HEADLINE:
        target = (f"<= {MAX_FALSE_REFUSALS}" if key == "false_refusals"
                  else f">= {THRESHOLDS[key]}" if key in THRESHOLDS else "reported")
        rows.append((key, [*(s["summary"].get(key) for s in systems.values()), ratio.get(key)],
                     target))
    rows.append(("answer length (characters, answerable cases)",
                 [*(s["summary"]["answer_chars"] for s in systems.values()), None], "reported"))
    for key in ("retrieve_ms", "answer_ms"):
        for q in ("p50", "p95"):
            rows.append((f"{key} {q}", [*(s["summary"]["latency_ms"][key][q]
                                         for s in systems.values()), None], "reported"))
    return rows


def _failures_table(report: Mapping[str, Any]) -> str:
    rows = []
    for name, system in report["systems"].items():
        for case in system["cases"]:
            if not case["passed"]:
                rows.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(case['id'])}</td>"
                            f"<td>{html.escape(case['question'])}</td>"
                            f"<td>{html.escape('; '.join(case['failures']))}</td></tr>")
    return ("<table><tr><th>system</th><th>case</th><th>question</th><th>why</th></tr>"
            + "".join(rows) + "</table>")


def _trade_off_table(points: Sequence[Mapping[str, float]]) -> str:
    """The trade-off as a table: threshold, correct abstention, false refusals."""
    rows = "".join(f"<tr><td>{p['threshold']:.4f}</td><td>{_fmt(p['correct_abstention'])}"
                   f"</td><td>{_fmt(p['false_refusals'])}</td></tr>" for p in points)
    return ("<table><tr><th>threshold</th><th>correct abstention</th><th>false refusals</th>"
            "</tr>" + rows + "</table>")


def write_html(report: Mapping[str, Any], path: Path) -> None:
    """A self-contained page (inline SVG plots) that opens in any browser."""
    systems = report["systems"]
    gate = report["gate"]
    status = "passed" if gate["passed"] else "failed: " + "; ".join(gate["failures"])
    calibration = report.get("support_check", {}).get("agreement", {})
    agreement = (f"<p>Support check agreement with {report['support_check']['labels']} hand "
                 f"labels: accuracy {_fmt(calibration.get('accuracy'))}, kappa "
                 f"{_fmt(calibration.get('kappa'))}.</p>" if calibration else "")
    plot = _svg(reliability_plot(systems["ours"]["cases"]))
    auc = (f"<p>Separation of answerable from unanswerable cases (ROC AUC of the probability): "
           f"{_fmt(report['separation_auc'])}.</p>")
    points = _trade_off_table(report["trade_off"])
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1400px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;
font-size:13px;text-align:left}}svg{{max-width:100%;height:auto}}</style></head><body>
<h1>Evaluation report</h1>
<p>{html.escape(report["generated"])} · {report["cases"]["count"]} cases · backend
{html.escape(report["backend"])} · embedder {html.escape(report["embedder"])} ·
<code>{html.escape(report["command"])}</code></p>
<h2 id="gate">Gate: {html.escape(status)}</h2>
<h2>Summary</h2>{_summary_table(report)}
{agreement}
<h2>Recall@k per language pair</h2>{recall_plot(systems)}
<h2>Headline metrics</h2>{metrics_plot(systems)}
<h2>Pass / fail per case</h2>{cases_plot(systems)}
<h2>Reliability of the answer-or-refuse decision</h2>{auc}{plot}
<h3>What a threshold can reach</h3>{points}
<h2>Failing cases</h2>{_failures_table(report)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def print_table(report: Mapping[str, Any], console: Console | None = None) -> None:
    """The summary as a rich table, then the gate's verdict."""
    console = console or Console()
    table = Table(title=f"Evaluation: {report['cases']['count']} cases")
    table.add_column("metric")
    for name in report["systems"]:
        table.add_column(name, justify="right")
    table.add_column("ours / baseline", justify="right")
    table.add_column("gate", justify="right")
    for metric, values, target in metric_rows(report):
        table.add_row(metric, *(_fmt(v) for v in values), target)
    console.print(table)
    gate = report["gate"]
    if gate["passed"]:
        console.print("[green]Gate passed.[/green]")
    for failure in gate["failures"]:
        console.print(f"[red]Gate:[/red] {failure}")
