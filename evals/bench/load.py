"""`python -m evals.bench.load`: many users asking at once through the app's API on loopback.

Starts the real `app.py` once per --concurrency value, sends the evaluation questions (Swedish
and English, round-robin) from --users threads, each with its own `gradio_client.Client`, and
reports latency, throughput, errors, the app's resident memory, and whether the audit log kept
one line per question. Prints a table, writes bench/load.json; exits 1 on any error or lost
audit line. Bounded in time; the app is always stopped, also on Ctrl-C."""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.settings import REPO_ROOT, Settings
from assistant.features.audit import AuditLog
from evals.bench.app_process import NO_TELEMETRY, process_stats, running_app, wait_ready
from evals.bench.load_users import Run, questions, run_users
from evals.bench.servers import free_port

USERS = 20
QUESTIONS = 500
CONCURRENCY = (Settings.model_fields["concurrency"].default,)  # the app's own default
OUT = REPO_ROOT / "bench" / "load.json"
ASSISTANT_CLI = Path(sys.executable).parent / "assistant"
RUN_TIMEOUT_S = 900.0
INGEST_TIMEOUT_S = 1800.0
SHOWN_ERRORS = 5


@dataclass(frozen=True)
class LoadConfig:
    """What to run: the data folder (with an index), sources, users, questions, time bound."""

    data_dir: Path
    sources_dir: Path | None = None
    users: int = USERS
    questions: int = QUESTIONS
    timeout_s: float = RUN_TIMEOUT_S


def ensure_index(config: LoadConfig) -> None:
    """Bring the data folder's index up to date (seconds when it is; a few minutes for a
    first ingest with the referenced documents)."""
    print(f"Bringing the index in {config.data_dir} up to date (`assistant ingest`)…",
          file=sys.stderr, flush=True)
    env = {**os.environ, **_data_env(config)}
    try:
        subprocess.run([str(ASSISTANT_CLI), "ingest"], cwd=REPO_ROOT, env=env, check=True,
                       timeout=INGEST_TIMEOUT_S)
    except (subprocess.SubprocessError, OSError) as err:
        raise SystemExit(f"`assistant ingest` into {config.data_dir} failed: {err}") from err


def _data_env(config: LoadConfig) -> dict[str, str]:
    env = {"ASSISTANT_DATA_DIR": str(config.data_dir)}
    if config.sources_dir is not None:
        env["ASSISTANT_SOURCES_DIR"] = str(config.sources_dir)
    return env


def app_env(config: LoadConfig, port: int, audit: Path, concurrency: int) -> dict[str, str]:
    """The app's environment: loopback, this port, this data folder, audit log, concurrency."""
    return {**os.environ, **NO_TELEMETRY, **_data_env(config), "ASSISTANT_HOST": "127.0.0.1",
            "ASSISTANT_PORT": str(port), "ASSISTANT_AUDIT": "true",
            "ASSISTANT_AUDIT_LOG": str(audit), "ASSISTANT_CONCURRENCY": str(concurrency)}


def measure(config: LoadConfig, concurrency: int, scratch: Path) -> Run:
    """Start the app with `concurrency`, run the users against it, and stop it."""
    os.environ.update(NO_TELEMETRY)  # the clients in this process, too
    audit, log = scratch / f"audit-{concurrency}.jsonl", scratch / f"app-{concurrency}.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    asked = questions(config.questions)
    with running_app(app_env(config, port, audit, concurrency), log) as proc:
        wait_ready(url, proc, log)
        before, seen = process_stats(proc.pid), len(AuditLog(audit).read())
        cpu = time.process_time()
        replies, wall = run_users(url, config.users, asked, config.timeout_s)
        after, cpu = process_stats(proc.pid), time.process_time() - cpu
    audited = [str(r.get("question")) for r in AuditLog(audit).read()[seen:]]
    return Run(concurrency, config.users, asked, replies, wall, before, after, audited, cpu)


def _percentile(values: list[float], share: float) -> float:
    ranked = sorted(values)
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)] if ranked else 0.0


def errors(run: Run) -> list[str]:
    """Every failed question, and one line for the questions never asked in time."""
    found = [f"{r.question[:50]!r}: {r.error}" for r in run.replies if r.error]
    unasked = len(run.asked) - len(run.replies)
    return found + ([f"{unasked} questions not asked within the time bound"] if unasked else [])


def summarise(run: Run) -> dict[str, Any]:
    """The run's figures: errors, latency, throughput, memory (MB), audit lines."""
    latencies = [r.latency_ms for r in run.replies]
    failed = errors(run)
    lost = Counter(run.asked) - Counter(run.audited)
    mb = {f"rss_mb_{k}": round(v.get("VmRSS", 0) / 1024, 1)
          for k, v in (("before", run.app_before), ("after", run.app_after))}
    app_cpu_s = run.app_after.get("cpu_s", 0) - run.app_before.get("cpu_s", 0)
    return {"concurrency": run.concurrency, "users": run.users, "questions": len(run.asked),
            "answered": len(run.replies), "errors": len(failed),
            "error_examples": failed[:SHOWN_ERRORS],
            "latency_ms_p50": round(_percentile(latencies, 0.5), 1),
            "latency_ms_p95": round(_percentile(latencies, 0.95), 1),
            "latency_ms_max": round(max(latencies, default=0.0), 1),
            "questions_per_s": round(len(run.replies) / run.wall_s, 2) if run.wall_s else 0.0,
            "wall_s": round(run.wall_s, 1), **mb,
            "rss_mb_peak": round(run.app_after.get("VmHWM", 0) / 1024, 1),
            "app_threads_before": int(run.app_before.get("Threads", 0)),
            "app_threads_after": int(run.app_after.get("Threads", 0)),
            "app_cpu_ms_per_question": round(app_cpu_s * 1000 / max(1, len(run.replies)), 1),
            "client_cpu_s": round(run.client_cpu_s, 1),
            "audit_lines": len(run.audited), "audit_lost": sum(lost.values())}


COLUMNS = ("concurrency", "errors", "latency_ms_p50", "latency_ms_p95", "latency_ms_max",
           "questions_per_s", "wall_s", "app_cpu_ms_per_question", "rss_mb_before",
           "rss_mb_after", "rss_mb_peak", "audit_lines", "audit_lost")


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the runs."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines)


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals.bench.load", description=__doc__)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    parser.add_argument("--concurrency", type=int, nargs="+", default=list(CONCURRENCY),
                        help="the app's ASSISTANT_CONCURRENCY; several values = one run each")
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir,
                        help="data folder (ASSISTANT_DATA_DIR); its index is brought up to date")
    parser.add_argument("--sources-dir", type=lambda v: Path(v) if v else None,
                        default=settings.sources_dir,
                        help="referenced documents (ASSISTANT_SOURCES_DIR; '' = none)")
    parser.add_argument("--timeout", type=float, default=RUN_TIMEOUT_S,
                        help="seconds each run may take to ask all questions")
    parser.add_argument("--out", type=Path, default=OUT)
    return parser


def run_all(config: LoadConfig, concurrencies: Sequence[int]) -> list[dict[str, Any]]:
    """One run per concurrency value, each against a freshly started app; their figures."""
    ensure_index(config)
    rows = []
    with tempfile.TemporaryDirectory(prefix="load-") as scratch:
        for concurrency in concurrencies:
            print(f"concurrency {concurrency}: {config.users} users, {config.questions} "
                  "questions…", file=sys.stderr, flush=True)
            rows.append(summarise(measure(config, concurrency, Path(scratch))))
    return rows


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C, so the app is stopped


def main() -> int:
    """Run the load once per concurrency value; print a table, write JSON, gate on errors."""
    args = _parser(Settings()).parse_args()
    signal.signal(signal.SIGTERM, _interrupted)
    config = LoadConfig(args.data_dir.resolve(), args.sources_dir, args.users, args.questions,
                        args.timeout)
    try:
        rows = run_all(config, args.concurrency)
    except KeyboardInterrupt:
        print("interrupted; the app was stopped", file=sys.stderr)
        return 130
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m evals.bench.load " + " ".join(sys.argv[1:])
    report = {"command": command.strip(), "cpus": os.cpu_count(), "runs": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r["errors"] or r["audit_lost"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
