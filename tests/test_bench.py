"""The benchmark (`python -m evals.bench`): its arithmetic and table on synthetic numbers, and
its measurement core on two real cases (our pipeline over the session index; the baseline
persisted and reopened)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.core.settings import REPO_ROOT
from evals.bench.runner import plan, run_step, since, spread
from evals.bench.steps import (
    RESULT,
    Job,
    latency,
    open_baseline,
    peak_rss_mb,
    persist,
    stored_baseline,
    work,
)
from evals.bench.table import Metric, lookup, markdown, metrics, ratio, rows
from evals.cases import CASES_FILE, load_cases
from evals.systems import NaiveRAG
from ingest.loaders import load_corpus
from tests.conftest import CORPUS

TWO_CASES = ("sv-natverket-01", "en-natverket-01")


def test_latency_ratio_and_spread():
    assert latency([float(v) for v in range(1, 101)]) == {"p50": 50.5, "p95": 95.05}
    assert latency([7.0]) == {"p50": 7.0, "p95": 7.0}
    assert ratio(30.0, 60.0) == 0.5
    assert ratio(1.0, 0.0) is None and ratio(None, 2.0) is None and ratio(2.0, None) is None
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread(list(range(4)), 9) == [0, 1, 2, 3] == spread(list(range(4)), None)


def test_since_turns_timestamps_into_seconds_after_the_spawn():
    out = since({"ingested_at": 1010.5, "first_answer_at": 1012.0, "chunks": 7}, 1000.0)
    assert out == {"ingested_s": 10.5, "first_answer_s": 12.0, "chunks": 7}


def test_targets_lower_is_better_and_higher_is_better():
    cold = Metric("cold start (s)", "serve.first_answer_s", "s", 5)
    recall = Metric("recall@5", "serve.recall@5.overall", "", 0.95, higher_is_better=True)
    assert (cold.met(4.99), cold.met(5.0), cold.met(None)) == (True, False, None)
    assert (recall.met(0.95), recall.met(0.94)) == (True, False)
    assert (cold.target_text, recall.target_text) == ("< 5 s", ">= 0.95")
    assert Metric("ingest (s)", "ingest.ingested_s", "s").met(1.0) is None


SYNTHETIC = {
    "ours": {"serve": {"first_answer_s": 3.2, "retrieve_ms": {"p50": 20.0, "p95": 61.0},
                       "answer_ms": {"p50": 30.0, "p95": 80.0},
                       "recall@5": {"sv->sv": 1.0, "overall": 0.97}, "faithfulness": 1.0},
             "ingest": {"ingested_s": 90.0, "peak_rss_mb": 512.4}},
    "baseline": {"serve": {"first_answer_s": 6.4, "retrieve_ms": {"p50": 10.0, "p95": 12.0},
                           "recall@5": {"sv->sv": 0.8, "overall": 0.0}},
                 "ingest": {"ingested_s": 30.0, "peak_rss_mb": 300.0}},
}


def test_rows_and_markdown_on_synthetic_results():
    table = {r["metric"]: r for r in rows(SYNTHETIC, metrics(6))}
    cold = table["cold start: open built index, first answer (s)"]
    assert (cold["ours"], cold["baseline"], cold["ratio"], cold["met"]) == (3.2, 6.4, 0.5, True)
    assert table["retrieval p95, warm (ms)"]["met"] is False
    assert table["recall@5 overall"]["ratio"] is None  # the baseline scores 0
    assert table["answer p50, llamacpp, n=6 (ms)"]["ours"] is None
    text = markdown(list(table.values())).splitlines()
    assert text[0] == "| metric | ours | baseline | ours/baseline | target |"
    assert ("| cold start: open built index, first answer (s) | 3.20 | 6.40 | 0.50 | "
            "< 5 s: met |") in text
    assert "| retrieval p95, warm (ms) | 61.0 | 12.0 | 5.08 | < 50 ms: **not met** |" in text
    assert "| ingest: full corpus into an empty folder (s) | 90.00 | 30.00 | 3.00 | – |" in text
    assert "| peak memory: ingest + first answer (MB) | 512 | 300 | 1.71 | – |" in text
    assert ("| faithfulness, llamacpp, n=6 | – | – | – | >= 0.98: not measured |") in text
    assert lookup(SYNTHETIC, "ours.serve.recall@5.sv->sv") == 1.0
    assert lookup(SYNTHETIC, "baseline.llm.answer_ms.p50") is None


def test_the_plan_runs_each_step_for_both_systems_before_the_next():
    assert plan(reuse_index=False, llm=True) == [
        ("ours", "ingest"), ("baseline", "ingest"), ("ours", "serve"), ("baseline", "serve"),
        ("ours", "llm"), ("baseline", "llm")]
    assert plan(reuse_index=True, llm=False) == [
        ("baseline", "ingest"), ("ours", "serve"), ("baseline", "serve")]


def test_a_worker_reports_its_own_peak_memory_not_its_parents():
    """ru_maxrss survives fork and exec (a child reports the parent's peak); VmHWM does not."""
    ballast = bytearray(300 * 2**20)
    ballast[::4096] = b"\1" * len(ballast[::4096])
    code = ("import resource; from evals.bench.steps import peak_rss_mb; "
            "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    own, inherited = map(float, out)
    assert own < 100 < 300 <= inherited
    assert peak_rss_mb() >= 300
    del ballast


@pytest.fixture
def job(data_dir: Path, tmp_path: Path) -> Job:
    """A job over the session index (the guideline) and two cases."""
    return Job("ours", "serve", str(data_dir / "index"), str(CORPUS), str(tmp_path),
               "e5", "Hur ofta ska de kreativa städerna rapportera?", str(CASES_FILE),
               TWO_CASES)


def test_our_serve_worker_measures_latency_quality_and_memory(job: Job, capsys):
    assert work(json.dumps(job.__dict__)) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    out = json.loads(line.removeprefix(RESULT))
    assert out["cases"] == 2 and out["passed"] == 2
    assert out["recall@5"] == {"sv->sv": 1.0, "en->en": 1.0, "overall": 1.0}
    assert out["faithfulness"] == 1.0
    assert 0 < out["retrieve_ms"]["p50"] <= out["retrieve_ms"]["p95"]
    assert out["retrieve_ms"]["p95"] < out["answer_ms"]["p95"]
    assert out["first_answer_at"] > 0 and out["peak_rss_mb"] > 50


def test_the_baseline_reopened_from_its_folder_ranks_as_the_one_in_memory(tmp_path: Path, e5):
    documents = load_corpus(CORPUS)
    rag = NaiveRAG(documents, e5)
    persist(rag.store, tmp_path / "baseline")
    job = Job("baseline", "serve", str(tmp_path / "baseline"), str(CORPUS), str(tmp_path), "e5",
              "", str(CASES_FILE), TWO_CASES)
    reopened = stored_baseline(open_baseline(job), documents)
    for case in load_cases(CASES_FILE, set(TWO_CASES)):
        assert reopened.run(case).ranked == rag.run(case).ranked


def test_a_failing_step_says_which_and_why(job: Job):
    with pytest.raises(AssistantError, match=r"The nobody serve step failed \(exit 1\)"):
        run_step(replace(job, system="nobody"), timeout=60)
