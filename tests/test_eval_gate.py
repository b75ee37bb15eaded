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
from evals.cases import load_cases
from evals.run import CaseResult, evaluate, gate, summarise
from evals.systems import NaiveRAG, Pipeline
from ingest.loaders import load_corpus
from tests.conftest import CORPUS


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


def test_every_cited_quote_is_verbatim_and_retrieved(results: list[CaseResult]):
    assert all(r.scores["valid_citations"] == r.scores["citations"] for r in results)
    assert sum(r.scores["citations"] for r in results) > len(results)


def test_the_baseline_answers_with_its_retrieved_chunks(e5, documents):
    corpus = load_corpus(CORPUS)
    cases = load_cases(only={"en-moten-01", "sv-unans-01", "en-xl-01"})
    results = evaluate(NaiveRAG(corpus, e5), cases, SupportChecker(e5), documents)
    assert all(r.scores["citations"] == 4 and not r.scores["abstained"] for r in results)
    assert all(r.scores["valid_citations"] == 4 for r in results)
    refused = next(r for r in results if not r.case.answerable)
    assert refused.scores["crag"] == -1  # the recipe never says "the guidelines do not say"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.tags.append(tag)


def test_python_m_evals_writes_json_and_html(data_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    status = main(["--cases", "sv-natverket-01,en-multi-01,en-unans-01", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert status == (0 if report["gate"]["passed"] else 1)
    assert set(report["systems"]) == {"ours", "baseline"} and report["cases"]["count"] == 3
    assert "recall@5 en->en" in report["ratio"] and report["support_check"]["labels"] >= 60
    parser = _Tags()
    parser.feed((tmp_path / "latest.html").read_text(encoding="utf-8"))
    assert parser.tags.count("svg") == 3 and "table" in parser.tags


def test_bad_case_ids_are_refused_with_exit_status_2(data_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    assert main(["--cases", "nope", "--out", str(tmp_path)]) == 2
    assert "No such case ids" in capsys.readouterr().err
