"""`python -m evals.fit_decision`: fit the answer-or-refuse decision and write it as package
data: the fitted parameters to `assistant/data/decision.<embedder>.json`, its threshold to
`decision.threshold.<embedder>` in `assistant/data/tuning.toml`.

Training data is not the evaluation: positives are bank questions scored against the passage
they were written for (leaving the question and its translation out of the bank, so it does
not find itself); negatives are the other passages retrieved for them, and the helper-written
off-topic, near-domain and false-premise questions in `evals/train/negatives.yaml`. The
threshold is then chosen on the in-sample evaluation sets for a stated precision (the
tuning's `fit.precision`): of the questions answered, at least that share must be
answerable. Needs an index with the bank and the instruments (`assistant ingest`).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tomlkit
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from assistant.core.errors import AssistantError
from assistant.core.settings import REPO_ROOT, load_settings
from assistant.core.tuning import TUNING_FILE, fitted_for, load_tuning
from assistant.core.types import BankQuestion, Hit
from assistant.pipeline.decide import FEATURES, Model, features, judge, question_stems
from assistant.pipeline.retrieve import HybridRetriever
from assistant.pipeline.service import clean_question
from assistant.storage.embeddings import make_embedder
from assistant.storage.evidence import Evidence
from assistant.storage.index import open_index
from assistant.storage.store import StoreConfig
from evals.cases import IN_SAMPLE, load_cases

NEGATIVES = REPO_ROOT / "evals" / "train" / "negatives.yaml"
DATA = REPO_ROOT / "assistant" / "data"


@dataclass
class Rows:
    """Feature rows and labels."""

    x: list[tuple[float, ...]]
    y: list[int]

    w: list[float] = field(default_factory=list)

    def add(self, values: tuple[float, ...], label: int, weight: float = 1.0) -> None:
        """One passage's features, whether it answers, and the row's weight."""
        self.x.append(values)
        self.y.append(label)
        self.w.append(weight)


def answers(hit: Hit, key: str) -> bool:
    """Whether a hit shows the passage a bank question was written for."""
    return key in {h.chunk.passage_key for h in (hit, *hit.items)}


def twin(question: BankQuestion, retriever: HybridRetriever) -> str:
    """The same passage's bank question in the other language closest to this one (most
    likely its translation), left out with it."""
    bank = retriever.index.bank
    rows = {q.qid: i for i, q in enumerate(bank.questions)}
    others = [q for q in bank.by_passage[question.passage_key] if q.language != question.language]
    if not others:
        return ""
    mine = bank.vectors[rows[question.qid]]
    return max(others, key=lambda q: float(bank.vectors[rows[q.qid]] @ mine)).qid


def sampled(retriever: HybridRetriever, per: int, seed: int = 0) -> Iterator[BankQuestion]:
    """`per` bank questions per passage and language, chosen at random (fixed seed)."""
    rng = random.Random(seed)
    for questions in retriever.index.bank.by_passage.values():
        for language in ("sv", "en"):
            mine = [q for q in questions if q.language == language]
            yield from rng.sample(mine, min(per, len(mine)))


def bank_rows(retriever: HybridRetriever, evidence: Evidence, rows: Rows, per: int) -> None:
    """Positives and hard negatives from the bank, each question left out of it."""
    limits = retriever.tuning.terms
    for question in sampled(retriever, per):
        exclude = {question.qid, twin(question, retriever)}
        query = retriever.parse(question.text, question.language)
        stems = question_stems(query, evidence, limits)
        for hit in retriever.hits(query, exclude=exclude):
            values = features(query, hit, evidence, stems, limits, exclude, question.passage_key)
            rows.add(values, int(answers(hit, question.passage_key)))


def negative_rows(retriever: HybridRetriever, evidence: Evidence, rows: Rows,
                  path: Path = NEGATIVES) -> None:
    """Every passage retrieved for a question the documents do not answer: a negative."""
    tuning = retriever.tuning
    for item in yaml.safe_load(path.read_text("utf-8")):
        query = retriever.parse(clean_question(item["question"]), item["language"])
        stems = question_stems(query, evidence, tuning.terms)
        for hit in retriever.hits(query):
            rows.add(features(query, hit, evidence, stems, tuning.terms), 0,
                     tuning.fit.negative_weight)


def best_probability(retriever: HybridRetriever, evidence: Evidence, model: Model,
                     question: str) -> float:
    """The in-sample question's best passage probability (retrieval + decision only)."""
    query = retriever.parse(clean_question(question), "auto")
    judged = judge(query, retriever.candidates(query), evidence, model, retriever.tuning.terms)
    return judged[0].probability if judged else 0.0


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), 6) for v in values)


def threshold_for(scores: list[tuple[float, bool]], precision: float) -> float:
    """The lowest threshold at which the answered questions are at least `precision`
    answerable (scores: best probability, answerable)."""
    for t in sorted({s for s, _ in scores}):
        answered = [a for s, a in scores if s >= t]
        if answered and sum(answered) / len(answered) >= precision:
            return t
    return 1.0


@dataclass(frozen=True)
class Fitted:
    """A fitted decision, its threshold chosen in-sample, and the scores behind both."""

    model: Model
    threshold: float
    scores: dict[str, object]


def fit(retriever: HybridRetriever, per: int | None = None) -> Fitted:
    """Fit the model on the bank and the negatives (`per` bank questions per passage and
    language, the tuning's `fit.bank_questions` unless given); choose its threshold
    in-sample for the tuning's `fit.precision`."""
    tuned = retriever.tuning.fit
    per = per or tuned.bank_questions
    evidence = Evidence.build(retriever.index.groups, retriever.index.bank.by_passage)
    rows = Rows([], [])
    bank_rows(retriever, evidence, rows, per)
    negative_rows(retriever, evidence, rows)
    x, y, w = np.asarray(rows.x), np.asarray(rows.y), np.asarray(rows.w)
    learner = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    weights = {"logisticregression__sample_weight": w}
    held_out = cross_val_predict(learner, x, y, cv=5, method="predict_proba",
                                 params=weights)[:, 1]
    learner.fit(x, y, **weights)
    scaler, logistic = learner[0], learner[1]
    info: dict[str, object] = {
        "training": {"rows": len(y), "positives": int(y.sum()),
                     "bank_questions_per_passage_and_language": per,
                     "negatives_file": str(NEGATIVES.relative_to(REPO_ROOT)),
                     "negative_weight": tuned.negative_weight,
                     "auc_5fold": round(float(roc_auc_score(y, held_out)), 4)},
    }
    model = Model(FEATURES, _floats(logistic.coef_[0]), float(logistic.intercept_[0]),
                  _floats(scaler.mean_), _floats(scaler.scale_), info)
    scores = [(best_probability(retriever, evidence, model, c.question), c.answerable)
              for path in IN_SAMPLE for c in load_cases(path)]
    threshold = round(threshold_for(scores, tuned.precision), 4)
    return Fitted(model, threshold, {"held_out": held_out.tolist(), "labels": y.tolist(),
                                     "in_sample": scores})


def calibrated(precision: float) -> str:
    """Where a threshold chosen by this command comes from (its entry's `source`)."""
    sets = ", ".join(str(p.relative_to(REPO_ROOT)) for p in IN_SAMPLE)
    return f"calibrated by `python -m evals.fit_decision` on {sets} for precision {precision}"


def save_threshold(path: Path, embedder: str, value: float, source: str) -> None:
    """Write a fitted threshold into a tuning file as `decision.threshold.<embedder>`,
    keeping its reason and the rest of the file as they are."""
    document = tomlkit.parse(path.read_text("utf-8"))
    entry: Any = document  # tomlkit's tables, typed as their union
    for key in ("decision", "threshold", fitted_for(embedder)):
        entry = entry[key]
    entry["value"], entry["source"] = value, source
    path.write_text(tomlkit.dumps(document), "utf-8")


def prepare_out(out: Path) -> None:
    """Make a folder ready for a fit's files before the fit runs: created when missing, with
    a copy of the shipped tuning for the new threshold to go into."""
    if out.exists() and not out.is_dir():
        raise AssistantError(f"--out {out} is a file; give a folder for the model and tuning.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / TUNING_FILE).exists():
            shutil.copy(DATA / TUNING_FILE, out / TUNING_FILE)
    except OSError as err:
        raise AssistantError(f"Cannot write to --out {out} ({err.strerror}); give a folder you "
                             "can write to.") from err


def main(argv: list[str] | None = None) -> int:
    """Fit the decision for the configured embedder and write it."""
    parser = argparse.ArgumentParser(prog="python -m evals.fit_decision", description=__doc__)
    parser.add_argument("--per", type=int, help="bank questions per passage and language "
                        "(default: the tuning's fit.bank_questions)")
    parser.add_argument("--out", type=Path, default=DATA,
                        help="folder of the model and tuning files (default: package data)")
    args = parser.parse_args(argv)
    try:
        prepare_out(args.out)
        settings = load_settings()
        index = open_index(settings.index_dir, settings.embedder,
                           make_embedder(settings.embedder), StoreConfig.from_settings(settings))
        tuning = load_tuning(settings.embedder)
        fitted = fit(HybridRetriever(index=index, tuning=tuning), args.per)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    name = fitted_for(settings.embedder)
    fitted.model.save(args.out / f"decision.{name}.json")
    save_threshold(args.out / TUNING_FILE, name, fitted.threshold,
                   calibrated(tuning.fit.precision))
    print(f"Wrote {args.out / f'decision.{name}.json'}: {fitted.model.fit}; threshold "
          f"{fitted.threshold} to decision.threshold.{name} in {args.out / TUNING_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
