"""The evaluation gate: the whole evaluation set through the default pipeline must meet every
threshold; failures name the cases. Also the report that `python -m evals` writes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest

from assistant.core.tuning import load_tuning
from assistant.pipeline.service import Assistant
from assistant.pipeline.support import SupportChecker
from evals.__main__ import main
from evals.cases import CASES_FILE, load_cases
from evals.run import CaseResult, evaluate, gate, summarise
from evals.separation import separation, trade_off
from evals.systems import NaiveRAG, Pipeline
from ingest.loaders import load_corpus
from ingest.pipeline import load_documents
from tests.conftest import CORPUS, SHARED_SOURCES

CONVENTIONS = CASES_FILE.parent / "conventions.yaml"


@pytest.fixture(scope="module")
def documents() -> dict[str, str]:
    return {d.doc_id: d.text for d in load_corpus(CORPUS)}


@pytest.fixture(scope="module")
def all_documents() -> dict[str, str]:
    documents, _ = load_documents(CORPUS, SHARED_SOURCES, load_tuning("e5").layout,
                                  fetching=False)
    return {d.doc_id: d.text for d in documents}


# What each in-sample set reaches with the calibrated decision (measured on 2026-12-05; see
# docs/evaluation.md), less about one case of slack. These sets were read while the decision's
# threshold was chosen (and, before it, while the retired rules were written), so they are
# in-sample: the blind sets below are the estimate that matters.
HELD = {  # set: (least recall@5 per pair, key facts, abstention; most false refusals)
    "cases": ({"sv->sv": 1.0, "en->en": 0.93, "en->sv": 1.0, "sv->en": 1.0}, 0.79, 0.82, 0.18),
    "holdout": ({"sv->sv": 0.92, "en->en": 1.0}, 0.8, 0.75, 0.19),
    "conventions": ({"en->en": 0.93, "sv->en": 0.9}, 0.76, 0.83, 0.14),
    "holdout_conventions_sv": ({"sv->en": 0.95}, 0.8, 0.75, 0.05),
    "holdout_conventions_en": ({"en->en": 0.85}, 0.45, 0.8, 0.5),
}
# The blind sets (measured 2026-12-05: recall@5 0.921 / 0.917 / 0.974, key facts 0.794,
# abstention 0.833, false refusals 0.087), less about one case of slack. Abstention was 0.867
# before the decision judged the top 16 passages instead of 5 (selection.pool, chosen on the
# in-sample and development sets), and false refusals 0.100.
BLIND_RECALL, BLIND_KEY_FACTS, BLIND_ABSTENTION, BLIND_REFUSALS = 0.88, 0.78, 0.8, 0.11
# How well the decision separates answerable from unanswerable questions (ROC AUC; measured
# 2026-12-05: blind 0.901, development 0.911), less about one case of slack: one unanswerable
# question moved from the bottom of the ranking to the top lowers it by 1 / unanswerable
# (0.033 blind, 0.011 dev).
BLIND_SEPARATION, DEV_SEPARATION = 0.86, 0.88
# The development sets (evals/dev/, tuned on; measured 2026-12-05: least recall@5 0.848
# (sv->en), key facts 0.754, abstention 0.843, false refusals 0.158), less about one case of
# slack.
DEV_RECALL, DEV_KEY_FACTS, DEV_ABSTENTION, DEV_REFUSALS = 0.82, 0.74, 0.83, 0.17


@pytest.fixture(scope="module")
def in_sample(full_assistant: Assistant, e5, all_documents) -> dict[str, list[CaseResult]]:
    """Every in-sample set, run once through the pipeline with the instruments indexed."""
    checker = SupportChecker(e5, full_assistant.tuning.support)
    return {name: evaluate(Pipeline(full_assistant), load_cases(CASES_FILE.parent /
                                                                 f"{name}.yaml"),
                           checker, all_documents) for name in HELD}


@pytest.mark.parametrize("name", list(HELD))
def test_in_sample_sets_hold_their_measured_level(in_sample, name: str):
    """Citations, faithfulness and language meet the gate on every set; recall, key facts,
    abstention and false refusals are held at the level measured with the decision."""
    results = in_sample[name]
    summary = summarise(results)
    held = ("recall@5", "key_fact_recall", "correct_abstention", "false_refusals")
    assert [f for f in gate(summary, results) if f.split()[0] not in held] == []
    recall, facts, abstention, refusals = HELD[name]
    found = {pair: row["recall@5"] for pair, row in summary["retrieval"].items()}
    assert all(found[pair] >= least for pair, least in recall.items()), found
    assert summary["key_fact_recall"] >= facts
    assert summary["correct_abstention"] is None or summary["correct_abstention"] >= abstention
    assert summary["false_refusals"] <= refusals


@pytest.fixture(scope="module")
def results(in_sample) -> list[CaseResult]:
    return in_sample["cases"]


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
    checker = SupportChecker(e5, load_tuning("e5").support)
    results = evaluate(NaiveRAG(corpus, e5), cases, checker, documents)
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
    page = (tmp_path / "latest.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(page)
    assert parser.tags.count("svg") == 4 and "table" in parser.tags
    auc = separation(report["systems"]["ours"]["cases"])  # 2 answerable, 1 unanswerable
    assert auc is not None and report["separation_auc"] == auc
    assert f"(ROC AUC of the probability): {auc:.3f}." in page
    points = report["trade_off"]
    assert points and points == trade_off(report["systems"]["ours"]["cases"])
    assert f"<td>{points[-1]['threshold']:.4f}</td>" in page


def test_bad_case_ids_are_refused_with_exit_status_2(data_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    assert main(["--cases", "nope", "--out", str(tmp_path)]) == 2
    assert "No such case ids" in capsys.readouterr().err


# Each folder of sets `python -m evals` runs whole: its flag, report, sets, size (questions,
# answerable, unanswerable) and the floors it is held at.
SET_FOLDERS = {
    "blind": ("--blind", "blind.json", {"guideline", "instruments"}, (110, 80, 30),
              (BLIND_RECALL, BLIND_KEY_FACTS, BLIND_ABSTENTION, BLIND_REFUSALS,
               BLIND_SEPARATION)),
    "dev": ("--dev", "dev.json", {"guideline", "instruments", "fresh"}, (260, 171, 89),
            (DEV_RECALL, DEV_KEY_FACTS, DEV_ABSTENTION, DEV_REFUSALS, DEV_SEPARATION)),
}


@pytest.mark.parametrize("folder", SET_FOLDERS)
def test_python_m_evals_writes_every_set_of_a_folder(folder: str, full_index_dir: Path,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]):
    """`python -m evals --blind` over evals/blind/ (written from the documents alone, frozen
    before any tuning, never tuned on) and `--dev` over evals/dev/ (written the same way after
    the blind sets were frozen; tuned on): a report per set, held at the measured level."""
    flag, name, sets, size, floors = SET_FOLDERS[folder]
    recall, key_facts, abstention, refusals, separates = floors
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(full_index_dir.parent))
    monkeypatch.setenv("ASSISTANT_SOURCES_DIR", str(SHARED_SOURCES))
    assert main([flag, "--out", str(tmp_path)]) == 0
    assert f"Report: {tmp_path / name}" in capsys.readouterr().out
    report = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    assert set(report) == sets | {"all"}
    every = report["all"]
    assert (every["n"], every["answerable"], every["unanswerable"]) == size
    assert every["language_match"] == 1.0
    assert min(every["recall_at_5"].values()) >= recall
    assert every["correct_abstention"] >= abstention
    assert every["false_refusals"] <= refusals
    assert every["key_facts"] >= key_facts
    assert every["separation_auc"] >= separates
    assert sum(row["cases"] for row in every["reliability"]) == size[0]
    curve = [(p["correct_abstention"], p["false_refusals"]) for p in every["trade_off"]]
    # Each higher threshold kept must refuse more unanswerable and more answerable cases:
    # one that gained no abstention for more refusals (or the reverse) is beaten.
    assert curve and all(a[0] < b[0] and a[1] < b[1] for a, b in pairwise(curve))
