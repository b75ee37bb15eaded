"""`python -m evals.fit_decision`: fit the answer-or-refuse decision and write it as package
data (`assistant/data/decision.<embedder>.json`).

Training data is not the evaluation: positives are bank questions scored against the passage
they were written for (leaving the question and its translation out of the bank, so it does
not find itself); negatives are the other passages retrieved for them, and the helper-written
off-topic, near-domain and false-premise questions in `evals/train/negatives.yaml`. The
threshold is then chosen on the in-sample evaluation sets for a stated precision: of the
questions answered, at least that share must be answerable. Needs an index with the bank
and the instruments (`assistant ingest`).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from assistant.decide import FEATURES, Model, features, judge, question_stems
from assistant.embeddings import make_embedder
from assistant.errors import AssistantError
from assistant.evidence import Evidence
from assistant.index import open_index
from assistant.retrieve import HybridRetriever
from assistant.service import clean_question
from assistant.settings import REPO_ROOT, load_settings
from assistant.types import BankQuestion, Hit
from evals.cases import load_cases

NEGATIVES = REPO_ROOT / "evals" / "train" / "negatives.yaml"
IN_SAMPLE = tuple(REPO_ROOT / "evals" / f for f in (
    "cases.yaml", "holdout.yaml", "conventions.yaml", "holdout_conventions_sv.yaml",
    "holdout_conventions_en.yaml"))
PER_PASSAGE = 1  # bank questions scored per passage and language
PRECISION = 0.95  # of the in-sample questions answered, the share that must be answerable
MARGIN = 0.2  # quote passages within this much probability of the best (chosen)
MAX_PASSAGES = 3  # chosen: an answer quotes at most this many passages (lists bring items)
# A question the documents do not answer weighs this many wrong passages of an answerable one:
# the helper-written negatives are few (160 questions) beside the bank's hard negatives.
NEGATIVE_WEIGHT = 5.0


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
    for question in sampled(retriever, per):
        exclude = {question.qid, twin(question, retriever)}
        query = retriever.parse(question.text, question.language)
        stems = question_stems(query)
        for hit in retriever.hits(query, exclude=exclude):
            values = features(query, hit, evidence, stems, exclude, question.passage_key)
            rows.add(values, int(answers(hit, question.passage_key)))


def negative_rows(retriever: HybridRetriever, evidence: Evidence, rows: Rows,
                  path: Path = NEGATIVES) -> None:
    """Every passage retrieved for a question the documents do not answer: a negative."""
    for item in yaml.safe_load(path.read_text("utf-8")):
        query = retriever.parse(clean_question(item["question"]), item["language"])
        stems = question_stems(query)
        for hit in retriever.hits(query):
            rows.add(features(query, hit, evidence, stems), 0, NEGATIVE_WEIGHT)


def best_probability(retriever: HybridRetriever, evidence: Evidence, model: Model,
                     question: str) -> float:
    """The in-sample question's best passage probability (retrieval + decision only)."""
    query = retriever.parse(clean_question(question), "auto")
    judged = judge(query, retriever.hits(query), evidence, model)
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


def fit(retriever: HybridRetriever, per: int = PER_PASSAGE) -> tuple[Model, dict[str, object]]:
    """Fit the model on the bank and the negatives; choose its threshold in-sample."""
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
    model = Model(FEATURES, _floats(logistic.coef_[0]), float(logistic.intercept_[0]),
                  _floats(scaler.mean_), _floats(scaler.scale_), 0.5, MARGIN, MAX_PASSAGES, {})
    scores = [(best_probability(retriever, evidence, model, c.question), c.answerable)
              for path in IN_SAMPLE for c in load_cases(path)]
    threshold = threshold_for(scores, PRECISION)
    info: dict[str, object] = {
        "training": {"rows": len(y), "positives": int(y.sum()),
                     "bank_questions_per_passage_and_language": per,
                     "negatives_file": str(NEGATIVES.relative_to(REPO_ROOT)),
                     "negative_weight": NEGATIVE_WEIGHT,
                     "auc_5fold": round(float(roc_auc_score(y, held_out)), 4)},
        "threshold": {"value": round(threshold, 4), "precision_target": PRECISION,
                      "chosen_on": [str(p.relative_to(REPO_ROOT)) for p in IN_SAMPLE]},
        "margin": f"{MARGIN}: chosen", "max_passages": f"{MAX_PASSAGES}: chosen",
    }
    model = replace(model, threshold=round(threshold, 4), fit=info)
    return model, {"held_out": held_out.tolist(), "labels": y.tolist(), "in_sample": scores}


def main(argv: list[str] | None = None) -> int:
    """Fit the decision for the configured embedder and write it."""
    parser = argparse.ArgumentParser(prog="python -m evals.fit_decision", description=__doc__)
    parser.add_argument("--per", type=int, default=PER_PASSAGE,
                        help="bank questions per passage and language")
    parser.add_argument("--out", type=Path, help="model file (default: package data)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        index = open_index(settings.index_dir, settings.embedder,
                           make_embedder(settings.embedder), settings.store_config())
        model, _ = fit(HybridRetriever(index=index), args.per)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out = args.out or REPO_ROOT / "assistant" / "data" / f"decision.{settings.embedder}.json"
    model.save(out)
    print(f"Wrote {out}: {model.fit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
