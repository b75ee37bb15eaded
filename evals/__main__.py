"""`python -m evals` (`make eval`): run the evaluation set through our pipeline and the naive
baseline, print a table, write `evals/report/latest.json` and `latest.html`, check the gate.

Needs an index (`assistant ingest`, or `make eval` which runs it). Exit status: 0 when the
gate passes, 1 when it fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import sys
import webbrowser
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from rich.progress import Progress, TaskID

from assistant.core.errors import AssistantError
from assistant.core.settings import BACKENDS, REPO_ROOT, Settings, load_settings
from assistant.core.types import Document
from assistant.pipeline.llm import LLMConfig, chat_model
from assistant.pipeline.service import Assistant, load_assistant
from assistant.pipeline.support import SupportChecker
from assistant.storage.store import StoreConfig
from evals.blind import BLIND_DIR, DEV_DIR, run_blind
from evals.calibrate import calibration_report
from evals.cases import CASES_FILE, Case, load_cases
from evals.report import case_rows, print_table, ratios, write_html, write_json
from evals.run import MAX_FALSE_REFUSALS, THRESHOLDS, evaluate, gate, summarise
from evals.separation import separation, trade_off
from evals.systems import NaiveRAG, Pipeline, System
from ingest.pipeline import load_documents

REPORT_DIR = REPO_ROOT / "evals" / "report"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=BACKENDS, help="answer backend (default: setting)")
    parser.add_argument("--cases", help="comma-separated case ids to run (default: all)")
    parser.add_argument("--cases-file", type=Path, default=CASES_FILE)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--judge", choices=BACKENDS[1:],
                        help="also judge faithfulness with this backend's language model")
    parser.add_argument("--no-calibration", action="store_true",
                        help="skip the support check's agreement with the hand labels")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    parser.add_argument("--open", action="store_true", help="open the HTML report")
    sets = parser.add_mutually_exclusive_group()
    sets.add_argument("--blind", action="store_true",
                      help="run every blind set in evals/blind/ and write blind.json")
    sets.add_argument("--dev", action="store_true",
                      help="run every development set in evals/dev/ (written from the "
                      "documents alone, and tuned on) and write dev.json")
    return parser


def _advance(progress: Progress, task: TaskID, done: int) -> None:
    progress.update(task, completed=done)


def run_systems(systems: list[System], cases: list[Case], checker: SupportChecker,
                documents: dict[str, str], judge: BaseChatModel | None = None
                ) -> dict[str, Any]:
    """Evaluate every system on the cases, with a progress bar."""
    out: dict[str, Any] = {}
    with Progress(transient=True) as progress:
        for system in systems:
            task = progress.add_task(f"{system.name}", total=len(cases))
            advance = partial(_advance, progress, task)
            results = evaluate(system, cases, checker, documents, advance, judge)
            summary = summarise(results)
            out[system.name] = {"summary": summary, "cases": case_rows(results),
                                "gate": gate(summary, results)}
    return out


def loaded(settings: Settings, backend: str
            ) -> tuple[Assistant, Embeddings, list[Document]]:
    """The assistant with the backend, the embedder of its index, and the documents."""
    assistant = load_assistant(settings.index_dir, settings.embedder, backend, settings.top_k,
                               LLMConfig.from_settings(settings, backend),
                               StoreConfig.from_settings(settings))
    embeddings = assistant.retriever.index.store.embeddings
    if embeddings is None:
        raise AssistantError("The index has no embedder; run `assistant ingest --rebuild`.")
    documents, _ = load_documents(settings.corpus_dir, settings.sources_dir,
                                  assistant.tuning.layout, fetching=False)
    return assistant, embeddings, documents


def build_report(settings: Settings, args: argparse.Namespace, cases: list[Case],
                 command: str) -> dict[str, Any]:
    """Everything `latest.json` holds."""
    backend = args.backend or settings.backend
    assistant, embeddings, documents = loaded(settings, backend)
    checker = SupportChecker(embeddings, assistant.tuning.support)
    systems: list[System] = [Pipeline(assistant)]
    if not args.no_baseline:
        systems.append(NaiveRAG(documents, embeddings))
    judge = chat_model(LLMConfig.from_settings(settings, args.judge))[0] if args.judge else None
    results = run_systems(systems, cases, checker, {d.doc_id: d.text for d in documents},
                          judge)
    ours = results["ours"]
    report: dict[str, Any] = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "backend": backend, "embedder": settings.embedder,
        "cases": {"file": str(args.cases_file), "count": len(cases),
                  "answerable": sum(c.answerable for c in cases)},
        "thresholds": THRESHOLDS | {"max_false_refusals": MAX_FALSE_REFUSALS},
        "systems": results,
        "separation_auc": separation(ours["cases"]),
        "trade_off": trade_off(ours["cases"]),
        "gate": {"passed": not ours["gate"], "failures": ours["gate"]},
    }
    if not args.no_calibration:
        report["support_check"] = calibration_report(checker, settings.corpus_dir)
    if not args.no_baseline:
        report["ratio"] = ratios(ours["summary"], results["baseline"]["summary"])
    return report


def blind_report(settings: Settings, args: argparse.Namespace,
                 folder: Path = BLIND_DIR) -> dict[str, Any]:
    """`blind.json` (or `dev.json`): every set's figures in the folder (extractive backend
    unless --backend)."""
    assistant, embeddings, documents = loaded(settings, args.backend or settings.backend)
    texts = {d.doc_id: d.text for d in documents}
    checker = SupportChecker(embeddings, assistant.tuning.support)
    return run_blind(assistant, checker, texts, folder)


def _main_blind(args: argparse.Namespace, folder: Path, name: str) -> int:
    try:
        report = blind_report(load_settings(), args, folder)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_json(report, args.out / name)
    for title, row in report.items():
        shown = {k: v for k, v in row.items() if k not in ("failed", "reliability", "trade_off")}
        print(title, shown)
    print(f"Report: {args.out / name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and write the report; exit 1 when the gate fails."""
    args = _parser().parse_args(argv)
    if args.blind or args.dev:
        return _main_blind(args, BLIND_DIR if args.blind else DEV_DIR,
                           "blind.json" if args.blind else "dev.json")
    command = " ".join(["python -m evals", *map(shlex.quote, argv or sys.argv[1:])])
    try:
        settings = load_settings()
        only = set(args.cases.split(",")) if args.cases else None
        cases = load_cases(args.cases_file, only)
        report = build_report(settings, args, cases, command)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    write_json(report, args.out / "latest.json")
    write_html(report, args.out / "latest.html")
    print_table(report)
    print(f"Report: {args.out / 'latest.json'} and {args.out / 'latest.html'}")
    if args.open:
        webbrowser.open((args.out / "latest.html").resolve().as_uri())
    return 0 if report["gate"]["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
