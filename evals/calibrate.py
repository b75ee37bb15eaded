"""`python -m evals.calibrate`: the offline support check against hand labels.

`evals/support_labels.yaml` holds (sentence, passage) pairs labelled by hand, blind to the
checker. This module measures the checker's agreement with them at the tuning's support
thresholds (`support.coverage`, `support.similarity`, `support.similarity_alone` in
`assistant/data/tuning.toml`), searches a grid for the best thresholds, and
cross-validates that search so the reported agreement is not only in-sample.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.core.errors import AssistantError
from assistant.core.settings import REPO_ROOT
from assistant.core.tuning import Support, load_tuning
from assistant.pipeline.support import Evidence, SupportChecker
from assistant.storage.embeddings import make_embedder
from ingest.loaders import load_corpus

LABELS_FILE = REPO_ROOT / "evals" / "support_labels.yaml"
COVERAGES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8)
SIMILARITIES = tuple(round(0.80 + 0.01 * i, 2) for i in range(14))
FOLDS = 5
CALIBRATED = ("coverage", "similarity", "similarity_alone")  # the support entries searched


class Label(BaseModel):
    """One hand-labelled pair: does this block (in this language) support the sentence?"""

    model_config = ConfigDict(frozen=True)

    id: str
    sentence: str
    language: Literal["sv", "en"]
    passage: str
    passage_language: Literal["sv", "en"]
    supported: bool
    kind: str
    why: str = ""


@dataclass(frozen=True)
class Agreement:
    """How often the checker agrees with the hand labels ('supported' is the positive)."""

    pairs: int
    accuracy: float
    precision: float
    recall: float
    kappa: float
    disagreements: tuple[str, ...]


def load_labels(path: Path = LABELS_FILE) -> list[Label]:
    """Read and validate the hand labels."""
    try:
        return [Label.model_validate(x) for x in yaml.safe_load(path.read_text("utf-8"))]
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as err:
        raise AssistantError(f"Cannot read the support labels in {path}: {err}") from err


def passages(corpus_dir: Path) -> dict[tuple[str, str], str]:
    """(language, block id) -> the block's text after its list's lead-in."""
    return {(doc.language, b.block_id): f"{b.lead_in} {b.text}".strip()
            for doc in load_corpus(corpus_dir) for b in doc.blocks}


def measure(checker: SupportChecker, labels: Sequence[Label],
            texts: dict[tuple[str, str], str]) -> list[Evidence]:
    """The checker's measurements for every labelled pair."""
    unknown = [x.id for x in labels if (x.passage_language, x.passage) not in texts]
    if unknown:
        raise AssistantError(f"Labels {', '.join(unknown)} name passages the corpus lacks; "
                             "fix their `passage` or `passage_language`.")
    checker.prime([x.sentence for x in labels], list(texts.values()))
    return [checker.measure(x.sentence, x.language, [texts[(x.passage_language, x.passage)]])
            for x in labels]


def agreement(labels: Sequence[Label], predicted: Sequence[bool]) -> Agreement:
    """Accuracy, precision and recall of 'supported', and Cohen's kappa."""
    truth = [x.supported for x in labels]
    n = len(truth)
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    agree = sum(p == t for p, t in zip(predicted, truth, strict=True))
    p_yes, t_yes = sum(predicted) / n, sum(truth) / n
    chance = p_yes * t_yes + (1 - p_yes) * (1 - t_yes)
    kappa = (agree / n - chance) / (1 - chance) if chance < 1 else 1.0
    wrong = tuple(x.id for x, p in zip(labels, predicted, strict=True) if p != x.supported)
    return Agreement(n, agree / n, tp / max(sum(predicted), 1), tp / max(sum(truth), 1),
                     kappa, wrong)


def predict(evidence: Sequence[Evidence], limits: Support) -> list[bool]:
    """The checker's verdicts at the given thresholds."""
    return [e.verdict(limits).supported for e in evidence]


def search(labels: Sequence[Label], evidence: Sequence[Evidence], base: Support) -> Support:
    """The grid thresholds with the best accuracy (the other entries as in `base`); ties go
    to the higher precision, then to the stricter thresholds (a wrong 'supported' costs more
    than a wrong 'not')."""
    def rank(limits: Support) -> tuple[float, float, float]:
        found = agreement(labels, predict(evidence, limits))
        return found.accuracy, found.precision, limits.similarity + limits.similarity_alone

    grid = (base.model_copy(update=dict(zip(CALIBRATED, values, strict=True)))
            for values in itertools.product(COVERAGES, SIMILARITIES, SIMILARITIES)
            if values[2] >= values[1])
    return max(grid, key=rank)


def thresholds(limits: Support) -> dict[str, float]:
    """The calibrated entries of the support tuning."""
    return {name: getattr(limits, name) for name in CALIBRATED}


def cross_validate(labels: Sequence[Label], evidence: Sequence[Evidence], base: Support,
                   folds: int = FOLDS, seed: int = 0) -> float:
    """Accuracy on held-out folds when the thresholds are searched on the others."""
    order = list(range(len(labels)))
    random.Random(seed).shuffle(order)
    correct = 0
    for fold in range(folds):
        test = set(order[fold::folds])
        train = [i for i in order if i not in test]
        limits = search([labels[i] for i in train], [evidence[i] for i in train], base)
        correct += sum(evidence[i].verdict(limits).supported == labels[i].supported
                       for i in test)
    return correct / len(labels)


def calibration_report(checker: SupportChecker, corpus_dir: Path,
                       labels_file: Path = LABELS_FILE) -> dict[str, object]:
    """Agreement at the shipped thresholds, the best grid thresholds, and cross-validation."""
    labels = load_labels(labels_file)
    evidence = measure(checker, labels, passages(corpus_dir))
    limits = checker.limits
    best = search(labels, evidence, limits)
    return {
        "labels": len(labels),
        "thresholds": thresholds(limits),
        "agreement": asdict(agreement(labels, predict(evidence, limits))),
        "best_thresholds": thresholds(best),
        "best_agreement": asdict(agreement(labels, predict(evidence, best))),
        f"cross_validated_accuracy_{FOLDS}_fold": cross_validate(labels, evidence, limits),
    }


def main() -> int:
    """Print the calibration report as JSON."""
    parser = argparse.ArgumentParser(prog="python -m evals.calibrate", description=__doc__)
    parser.add_argument("--labels", type=Path, default=LABELS_FILE)
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT / "corpus")
    args = parser.parse_args()
    checker = SupportChecker(make_embedder("e5"), load_tuning("e5").support)
    print(json.dumps(calibration_report(checker, args.corpus, args.labels), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
