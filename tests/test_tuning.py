"""The tuning: one file of entries, each with its reason and source, loaded into a typed
value that the stages are given; an entry changed changes what it should; the fitted
threshold is written back into the file; and the ablation runs the evaluation both ways."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from assistant.core.errors import AssistantError
from assistant.core.tuning import FITTED, TUNING_FILE, Tuning, entries, load_tuning, read_entries
from assistant.pipeline.service import Assistant
from assistant.pipeline.support import Evidence, SupportChecker
from evals.ablate import ablate, changes, chosen_sets
from evals.blind import BLIND_DIR
from evals.cases import CASES_FILE, IN_SAMPLE, load_cases
from evals.fit_decision import calibrated, prepare_out, save_threshold
from ingest.pipeline import load_documents
from tests.conftest import CORPUS

SHIPPED = load_tuning("e5")


def _per_embedder(name: str) -> list[str]:
    return [f"{name}.{e}" for e in FITTED] if name == "decision.threshold" else [name]


def test_every_entry_is_in_the_file_with_a_reason_and_a_source():
    found = entries()
    expected = {n for name in Tuning.names() for n in _per_embedder(name)}
    assert set(found) == expected
    assert all(e.reason.strip() and e.source.strip() for e in found.values())
    assert all(e.source.startswith(("calibrated ", "chosen")) for e in found.values())


def test_each_embedder_gets_its_own_threshold_and_nothing_else_differs():
    minilm = load_tuning("minilm")
    assert SHIPPED.decision.threshold == entries()["decision.threshold.e5"].value
    assert minilm.decision.threshold == entries()["decision.threshold.minilm"].value
    assert load_tuning("st:any-model") == minilm  # every sentence-transformers model
    assert SHIPPED.model_copy(update={"decision": minilm.decision}) == minilm


def test_the_threshold_says_how_a_refit_would_write_it():
    for embedder in FITTED:
        entry = entries()[f"decision.threshold.{embedder}"]
        assert entry.source == calibrated(SHIPPED.fit.precision)


def test_the_model_files_hold_fitted_parameters_only():
    for embedder in FITTED:
        raw = json.loads(files("assistant").joinpath("data", f"decision.{embedder}.json")
                         .read_text("utf-8"))
        assert not {"threshold", "margin", "max_passages"} & (set(raw) | set(raw["fit"]))


def test_an_unknown_name_gets_an_error_listing_the_valid_ones():
    with pytest.raises(AssistantError) as err:
        SHIPPED.changed({"fusion.bank_wieght": 0})
    message = str(err.value)
    assert "'fusion.bank_wieght'" in message
    assert all(name in message for name in Tuning.names())


def test_a_value_must_fit_its_entry():
    with pytest.raises(AssistantError, match="ranking.per_list"):
        SHIPPED.changed({"ranking.per_list": "two"})
    assert SHIPPED.changed({"ranking.per_list": "3"}).ranking.per_list == 3  # from the CLI


def test_a_changed_entry_leaves_the_shipped_tuning_alone():
    changed = SHIPPED.changed({"fusion.bank_weight": 0})
    assert changed.fusion.bank_weight == 0.0 and SHIPPED.fusion.bank_weight == 3.0
    assert changed.model_copy(update={"fusion": SHIPPED.fusion}) == SHIPPED


def test_a_damaged_file_is_named_with_the_fix():
    with pytest.raises(AssistantError, match="restore assistant/data/tuning.toml"):
        read_entries('[fusion.rrf_k]\nvalue = 60\nreason = ""\nsource = "chosen"\n')


def test_the_support_thresholds_decide_a_verdict():
    measured = Evidence(verbatim=False, coverage=0.3, similarity=0.86, problems=())
    assert measured.verdict(SHIPPED.support).supported
    stricter = SHIPPED.changed({"support.similarity": 0.9}).support
    assert not measured.verdict(stricter).supported


def test_the_list_limit_changes_the_ranking(assistant: Assistant):
    question = "Vad ska Svenska Unescorådet göra?"

    def council(tuned: Assistant) -> list[str]:
        blocks = [h.chunk.block_id for h in tuned.retriever.hits(question, "sv", 5)]
        return [b for b in blocks if b.startswith("unescoradet-") and b != "unescoradet-1"]

    assert len(council(assistant)) <= SHIPPED.ranking.per_list
    assert len(council(assistant.tuned(SHIPPED.changed({"ranking.per_list": 5})))) > 2


def test_the_threshold_changes_refusing(assistant: Assistant):
    question = "Hur ofta ska de kreativa städerna rapportera till Unesco?"
    assert not assistant.ask(question).abstained
    strict = assistant.tuned(SHIPPED.changed({"decision.threshold": 1.0}))
    assert strict.ask(question).abstained and strict.retriever.tuning is strict.tuning


def test_a_refit_writes_its_threshold_and_keeps_the_rest(tmp_path: Path):
    path = tmp_path / TUNING_FILE
    shutil.copy(Path(str(files("assistant").joinpath("data", TUNING_FILE))), path)
    save_threshold(path, "e5", 0.5, "calibrated by a test")
    found, shipped = read_entries(path.read_text("utf-8")), entries()
    assert found["decision.threshold.e5"].value == 0.5
    assert found["decision.threshold.e5"].source == "calibrated by a test"
    assert found["decision.threshold.e5"].reason == shipped["decision.threshold.e5"].reason
    rest = set(shipped) - {"decision.threshold.e5"}
    assert all(found[name] == shipped[name] for name in rest)


def test_a_fit_into_a_new_folder_gets_the_shipped_tuning_to_write_its_threshold_into(
        tmp_path: Path):
    out = tmp_path / "fit"
    prepare_out(out)
    assert read_entries((out / TUNING_FILE).read_text("utf-8")) == entries()
    save_threshold(out / TUNING_FILE, "e5", 0.5, "calibrated by a test")  # kept, not replaced
    prepare_out(out)
    written = read_entries((out / TUNING_FILE).read_text("utf-8"))
    assert written["decision.threshold.e5"].value == 0.5
    (tmp_path / "file").write_text("x")
    with pytest.raises(AssistantError, match="give a folder"):
        prepare_out(tmp_path / "file")
    with pytest.raises(AssistantError, match="Cannot write to --out"):
        prepare_out(tmp_path / "file" / "fit")  # under a file: no folder can be made


def test_ablation_names_are_checked_and_entries_it_cannot_measure_refused():
    assert changes(["fusion.bank_weight=0", " selection.margin = 0.1"]) == {
        "fusion.bank_weight": "0", "selection.margin": "0.1"}
    with pytest.raises(AssistantError, match="NAME=VALUE"):
        changes(["fusion.bank_weight"])
    with pytest.raises(AssistantError, match="evals.fit_decision"):
        changes(["fit.precision=0.9"])
    with pytest.raises(AssistantError, match="assistant ingest"):
        changes(["layout.short=0.5"])
    with pytest.raises(AssistantError, match="conversations"):
        changes(["follow_up.min_terms=1"])
    with pytest.raises(AssistantError, match="assistant draft"):
        changes(["draft.max_questions=2"])


def test_ablation_runs_the_in_sample_sets_and_the_blind_ones_only_when_asked():
    assert chosen_sets([], blind=False) == list(IN_SAMPLE)
    blind = BLIND_DIR / "any.yaml"
    with pytest.raises(AssistantError, match="--blind"):
        chosen_sets([blind], blind=False)
    assert chosen_sets([CASES_FILE], blind=False) == [CASES_FILE]


def test_ablation_shows_both_runs_side_by_side(assistant: Assistant, e5, tmp_path: Path):
    cases = load_cases(CASES_FILE, {"sv-natverket-01", "sv-unans-01"})
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump([c.model_dump(mode="json") for c in cases]), "utf-8")
    documents, _ = load_documents(CORPUS, None, SHIPPED.layout, fetching=False)
    strict = SHIPPED.changed({"decision.threshold": 1.0})
    tables = list(ablate(assistant, strict, SupportChecker(e5, SHIPPED.support),
                         {d.doc_id: d.text for d in documents}, [path]))
    assert [t[0].split(" (")[0] for t in tables] == ["two.yaml", "all sets"]
    refused = next(line for line in tables[0] if "false_refusals" in line)
    assert refused.split()[1:] == ["0.000", "1.000", "*"]
    assert any(line.strip().startswith("sv-natverket-01: passed -> refused") for line in tables[0])
