"""`python -m evals.fit_decision` for real: the decision fit on the bank and the
helper-written negatives over the full index (the guideline and the three instruments),
written with its threshold into a folder of its own while the package data stays as it is."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from assistant.core.tuning import TUNING_FILE, entries, read_entries
from assistant.pipeline.decide import FEATURES
from evals.fit_decision import main
from tests.conftest import SHARED_SOURCES


def _package(name: str) -> bytes:
    return files("assistant").joinpath("data", name).read_bytes()


def test_a_fit_writes_a_decision_and_its_threshold_and_leaves_the_package_alone(
        full_index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(full_index_dir.parent))
    monkeypatch.setenv("ASSISTANT_SOURCES_DIR", str(SHARED_SOURCES))
    shipped = {name: _package(name) for name in ("decision.e5.json", TUNING_FILE)}
    out = tmp_path / "fit"
    assert main(["--out", str(out)]) == 0
    model = json.loads((out / "decision.e5.json").read_text("utf-8"))
    assert tuple(model["features"]) == FEATURES
    assert all(len(model[k]) == len(FEATURES) for k in ("weights", "center", "scale"))
    training = model["fit"]["training"]
    assert 0 < training["positives"] < training["rows"]
    assert training["auc_5fold"] >= 0.7  # 0.75 measured on this index
    # More of the question covered by a passage makes it more likely to answer.
    assert model["weights"][FEATURES.index("coverage")] > 0
    entry = read_entries((out / TUNING_FILE).read_text("utf-8"))["decision.threshold.e5"]
    assert 0 < entry.value < 1
    assert entry.source == entries()["decision.threshold.e5"].source  # "calibrated by ..."
    assert f"threshold {entry.value} to decision.threshold.e5" in capsys.readouterr().out
    assert {name: _package(name) for name in shipped} == shipped
