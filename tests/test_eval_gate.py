"""The evaluation gate: the whole evaluation set through the default pipeline must meet every
threshold; failures name the cases. Also the report that `python -m evals` writes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.support import SupportChecker
from evals.__main__ import main
from evals.cases import CASES_FILE, load_cases
from evals.run import CaseResult, evaluate, gate, summarise
from evals.systems import NaiveRAG, Pipeline
from ingest.loaders import load_corpus
from ingest.pipeline import load_documents
from tests.conftest import CORPUS, SHARED_SOURCES

CONVENTIONS = CASES_FILE.parent / "conventions.yaml"


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    return {d.doc_id: d.text for d in load_corpus(CORPUS)}


@pytest.fixture(scope="module")
def results(assistant: Assistant, e5, documents) -> list[CaseResult]:
    return evaluate(Pipeline(assistant), load_cases(), SupportChecker(e5), documents)


def test_the_gate_holds_on_the_whole_evaluation_set(results: list[CaseResult]):
    summary = summarise(results)
    failures = gate(summary, results)
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def all_documents() -> dict[str, str]:
    documents, _ = load_documents(CORPUS, SHARED_SOURCES, fetching=False)
    return {d.doc_id: d.text for d in documents}


def test_the_gate_holds_with_the_referenced_instruments_indexed(full_assistant: Assistant, e5,
                                                                 all_documents):
    results = evaluate(Pipeline(full_assistant), load_cases(), SupportChecker(e5), all_documents)
    failures = gate(summarise(results), results)
    assert not failures, "\n".join(failures)


def test_convention_cases_meet_the_gate_but_for_recall(full_assistant: Assistant, e5,
                                                        all_documents):
    """The 36 cases about the instruments meet every threshold of the gate but recall@5,
    which three cases miss (see the README); it is held at the measured level."""
    results = evaluate(Pipeline(full_assistant), load_cases(CONVENTIONS), SupportChecker(e5),
                       all_documents)
    summary = summarise(results)
    failures = gate(summary, results)
    assert [f for f in failures if not f.startswith("recall@5")] == []
    recall = {pair: row["recall@5"] for pair, row in summary["retrieval"].items()}
    assert recall["en->en"] >= 0.93 and recall["sv->en"] >= 0.85, recall


def test_failures_name_the_cases_and_the_shortfall(results: list[CaseResult]):
    summary = summarise(results)
    summary["correct_abstention"] = 0.5  # as if half the unanswerable cases were answered
    failure = next(f for f in gate(summary, results) if f.startswith("correct_abstention"))
    assert failure.startswith("correct_abstention 0.500 < 0.9: ")


def test_a_subset_without_unanswerable_cases_is_not_failed_for_it(results: list[CaseResult]):
    answerable = [r for r in results if r.case.answerable and not r.failures][:3]
    summary = summarise(answerable)
    assert summary["correct_abstention"] is None and gate(summary, answerable) == []


def test_the_baseline_answers_with_its_retrieved_chunks(e5, documents):
    corpus = load_corpus(CORPUS)
    cases = load_cases(only={"en-moten-01", "sv-unans-01", "en-xl-01"})
    results = evaluate(NaiveRAG(corpus, e5), cases, SupportChecker(e5), documents)
    assert all(r.scores["citations"] == 4 and not r.scores["abstained"] for r in results)
    assert all(r.scores["answer_chars"] > 1000 for r in results)  # four ~1000-char chunks
    refused = next(r for r in results if not r.case.answerable)
    assert refused.scores["crag"] == -1  # the recipe never says "the guidelines do not say"
    cross = next(r for r in results if r.case.kind == "cross-lingual")
    assert "hidden_recall@5" in cross.scores


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append(tag)


def test_python_m_evals_writes_json_and_html(data_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    args = ["--cases", "sv-natverket-01,en-multi-01,en-unans-01", "--out", str(tmp_path),
            "--no-calibration"]
    assert main(args) == 0
    report = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert report["gate"] == {"passed": True, "failures": []}
    assert report["command"] == "python -m evals " + " ".join(args)
    assert set(report["systems"]) == {"ours", "baseline"} and report["cases"]["count"] == 3
    assert report["ratio"]["false_refusals"] is None and "recall@5 en->en" in report["ratio"]
    parser = _Tags()
    parser.feed((tmp_path / "latest.html").read_text(encoding="utf-8"))
    assert parser.tags.count("svg") == 3 and "table" in parser.tags


def test_bad_case_ids_are_refused_with_exit_status_2(data_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    assert main(["--cases", "nope", "--out", str(tmp_path)]) == 2
    assert "No such case ids" in capsys.readouterr().err


HOLDOUT_SV = CASES_FILE.parent / "holdout_conventions_sv.yaml"


def test_blind_swedish_instrument_cases_hold_what_is_reached(full_assistant: Assistant, e5,
                                                             all_documents):
    """24 Swedish questions about the instruments, written without sight of the term list
    or the tuning: citations, faithfulness, abstention and false refusals meet the gate;
    recall and key facts are held at the measured level (see the README)."""
    results = evaluate(Pipeline(full_assistant), load_cases(HOLDOUT_SV), SupportChecker(e5),
                       all_documents)
    summary = summarise(results)
    failures = gate(summary, results)
    assert [f for f in failures if f.split()[0] not in ("recall@5", "key_fact_recall")] == []
    assert summary["retrieval"]["sv->en"]["recall@5"] >= 0.7, summary["retrieval"]
    assert summary["key_fact_recall"] >= 0.6


HOLDOUT_EN = CASES_FILE.parent / "holdout_conventions_en.yaml"


def test_blind_english_instrument_cases_hold_what_is_reached(full_assistant: Assistant, e5,
                                                             all_documents):
    """25 English questions about the instruments in everyday words ("money", "NGOs"),
    written without sight of the other sets or the code: citations, faithfulness and
    language meet the gate; the rest is held at the measured level (see the README), which
    is short of the gate: most of all, paraphrased questions are refused."""
    results = evaluate(Pipeline(full_assistant), load_cases(HOLDOUT_EN), SupportChecker(e5),
                       all_documents)
    summary = summarise(results)
    failures = gate(summary, results)
    held = ("recall@5", "key_fact_recall", "correct_abstention", "false_refusals")
    assert [f for f in failures if f.split()[0] not in held] == []
    assert summary["retrieval"]["en->en"]["recall@5"] >= 0.8, summary["retrieval"]
    assert summary["key_fact_recall"] >= 0.55
    assert summary["correct_abstention"] >= 0.8
    assert summary["false_refusals"] <= 0.25
