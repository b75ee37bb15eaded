"""The support check against the hand labels, and the calibration arithmetic."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.core.tuning import load_tuning
from assistant.pipeline.support import SupportChecker
from evals.calibrate import Label, agreement, calibration_report, load_labels
from tests.conftest import CORPUS

# Measured with `python -m evals.calibrate` (in-sample accuracy 0.75, kappa 0.51); the test
# fails if a change to the checker makes it agree less with the hand labels.
MIN_ACCURACY = 0.73
MIN_KAPPA = 0.45


def _label(i: int, supported: bool) -> Label:
    return Label(id=f"L{i}", sentence="s", language="sv", passage="p", passage_language="sv",
                 supported=supported, kind="k")


def test_agreement_arithmetic():
    labels = [_label(1, True), _label(2, True), _label(3, False), _label(4, False)]
    found = agreement(labels, [True, False, False, False])
    assert found.accuracy == 0.75 and found.precision == 1.0 and found.recall == 0.5
    assert found.kappa == pytest.approx(0.5) and found.disagreements == ("L2",)


def test_the_labels_cover_both_languages_and_both_verdicts():
    labels = load_labels()
    assert len(labels) >= 60
    assert set(Counter(x.language for x in labels)) == {"sv", "en"}
    assert 0.3 < sum(x.supported for x in labels) / len(labels) < 0.7


def test_the_checker_agrees_with_the_hand_labels(e5):
    report = calibration_report(SupportChecker(e5, load_tuning("e5").support), CORPUS)
    found = report["agreement"]
    assert found["accuracy"] >= MIN_ACCURACY and found["kappa"] >= MIN_KAPPA, found
    assert 0.5 < report["cross_validated_accuracy_5_fold"] <= 1.0
