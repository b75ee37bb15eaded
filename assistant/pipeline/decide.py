"""The one answer-or-refuse decision: a logistic model of whether a passage answers a
question, from general signals (bank and passage similarity, fused rank, IDF-weighted
coverage, words the corpus never uses, the kind of fact asked for). It is fit on the
question bank and helper-written negatives (`python -m evals.fit_decision`), its threshold
(in the tuning) chosen on the in-sample sets for a stated precision; the same probability
orders the quoted passages, and only those near the best are quoted."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache, partial
from importlib.resources import files
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.text import content_words, stem_of, terms, words
from assistant.core.tuning import Selection, Terms, Tuning, fitted_for
from assistant.core.types import Hit
from assistant.pipeline import facts
from assistant.pipeline.glossary import english_of, unnamed
from assistant.pipeline.query import Query
from assistant.storage.evidence import Evidence

FEATURES = ("bank", "dense", "rank", "coverage", "gap", "unknown", "fact", "foreign")
MODEL_FILE = "decision.{embedder}.json"


@dataclass(frozen=True)
class Model:
    """A fitted decision: weights per feature and what they were fitted on (its threshold
    is in the tuning)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]  # on standardised features: (value - center) / scale
    intercept: float
    center: tuple[float, ...]
    scale: tuple[float, ...]
    fit: dict[str, object]  # training data and sizes, the held-out AUC

    def probability(self, values: Sequence[float]) -> float:
        """P(the passage answers the question)."""
        z = self.intercept + sum(w * (v - c) / s for w, v, c, s in zip(
            self.weights, values, self.center, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path) -> None:
        """Write the model as JSON (package data)."""
        path.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n", "utf-8")


@cache
def load_model(embedder: str) -> Model:
    """The decision fitted for an embedder (its similarities have their own scale)."""
    name = MODEL_FILE.format(embedder=fitted_for(embedder))
    try:
        raw = json.loads(files("assistant").joinpath("data", name).read_text("utf-8"))
        for name in ("features", "weights", "center", "scale"):
            raw[name] = tuple(raw[name])
        return Model(**raw)
    except (OSError, ValueError, TypeError) as err:
        raise AssistantError(f"The answer decision for embedder {embedder!r} is missing or "
                             f"damaged ({err}); reinstall the package or run "
                             "`python -m evals.fit_decision`.") from err


def question_stems(query: Query, evidence: Evidence | None = None,
                   limits: Terms | None = None) -> list[str]:
    """The content stems of a question, without the words that name an instrument. With
    `evidence`, a Swedish compound no passage or bank question uses is read as its two
    parts when they are used ("stödbrevskravet": stödbrev, krav); a place it names is
    never split."""
    text = unnamed(query.search, query.naming.spans)
    if evidence is None or limits is None or query.asked_in != "sv":
        return terms(text, query.asked_in)
    named = {w for name in query.names for w in words(name)}
    found: list[str] = []
    for word in content_words(text, "sv"):
        stem = stem_of(word, "sv")
        whole = word in named or evidence.known(stem, "sv")
        found += [stem] if whole else compound_parts(word, evidence, limits)
    return found


def compound_parts(word: str, evidence: Evidence, limits: Terms) -> list[str]:
    """A Swedish compound's modifier and head, as stems, when both are used (the longest
    modifier first, a linking s dropped; the modifier at least `min_modifier` letters and
    the head, as written, at least `min_head`), else the word's own stem."""
    for cut in range(len(word) - limits.min_head, limits.min_modifier - 1, -1):
        head, tail = word[:cut], word[cut:]
        for modifier in (head, head[:-1]) if head.endswith("s") else (head,):
            parts = [stem_of(modifier, "sv"), stem_of(tail, "sv")]
            if (len(modifier) >= limits.min_modifier
                    and all(evidence.known(p, "sv") for p in parts)):
                return parts
    return [stem_of(word, "sv")]


def features(query: Query, hit: Hit, evidence: Evidence, stems: Sequence[str], limits: Terms,
             exclude: Collection[str] = (), own: str = "") -> tuple[float, ...]:
    """The decision's features for one passage (`exclude`, `own`: a bank question scored in
    training does not count as evidence for itself). `foreign`: the passage has no text in
    the question's language (an English-only instrument for a Swedish question), where
    coverage runs lower."""
    key, language = hit.chunk.passage_key, query.asked_in
    stated = facts.evidence(hit.chunk.source_text)
    fact = 1.0 - len(query.asks - stated) / len(query.asks) if query.asks else 1.0
    bridge = partial(_english, limits=limits) if language == "sv" else None
    return (hit.bank, hit.dense, 1.0 / hit.rank,
            evidence.coverage(stems, key, language, exclude, bridge),
            evidence.gap(stems, key, language, exclude, bridge),
            evidence.unknown(stems, language, own, exclude), fact,
            0.0 if evidence.has_text(key, language) else 1.0)


def _english(stem: str, limits: Terms) -> list[str]:
    """The English stems the term list gives for a Swedish stem ([] when none)."""
    return terms(english_of(stem, limits), "en")


@dataclass(frozen=True)
class Judged:
    """A passage with the probability that it answers the question (the best over the
    question and its parts), and, for a question that asks several things, per part."""

    hit: Hit
    probability: float  # the best over the whole question and its parts
    parts: tuple[float, ...] = ()  # one per part of a question that asks several things


def part_queries(query: Query) -> list[Query]:
    """Each part of a question that asks several things, judged as a question of its own
    ([] for a question that asks one thing). Only the features read from the words differ
    per part (coverage, gap, unknown words, the kind of fact asked for); the similarities
    and the rank are the whole question's, from its one retrieval."""
    if len(query.parts) < 2:
        return []
    return [replace(query, search=part, parts=(part,), asks=frozenset(facts.asked_for(part)))
            for part in query.parts]


def judge(query: Query, hits: Sequence[Hit], evidence: Evidence, model: Model,
          limits: Terms) -> list[Judged]:
    """Every candidate passage with its probability, most likely first: a passage answers
    a question when it answers the whole or one of its parts."""
    asked = [query, *part_queries(query)]
    stems = [question_stems(q, evidence, limits) for q in asked]

    def judged(hit: Hit) -> Judged:
        p = [model.probability(features(q, hit, evidence, s, limits))
             for q, s in zip(asked, stems, strict=True)]
        return Judged(hit, max(p), tuple(p[1:]))

    return sorted(map(judged, hits), key=lambda j: (-j.probability, j.hit.rank))


def chosen(judged: Sequence[Judged], tuning: Tuning) -> list[Judged]:
    """The passages to quote: none when the best is below the decision's threshold, else
    those near the best (`near`), and each part's most likely passage that reaches the
    threshold."""
    threshold, selection = tuning.decision.threshold, tuning.selection
    if not judged or judged[0].probability < threshold:
        return []
    floor = max(threshold, near(judged[0].probability, selection))
    picked = [j for j in judged if j.probability >= floor][: selection.max_passages]
    return picked + _part_best(judged, picked, threshold)


def near(best: float, selection: Selection) -> float:
    """The lowest probability near the best: within the margin and at least its share."""
    return max(best - selection.margin, best * selection.share)


def _part_best(judged: Sequence[Judged], picked: Sequence[Judged],
               threshold: float) -> list[Judged]:
    """Each part's most likely passage, when it reaches the threshold and is not picked."""
    shown = {j.hit.chunk.chunk_id for j in picked}
    extra = []
    for i in range(len(judged[0].parts)):
        best = max(judged, key=lambda j: j.parts[i])
        if best.parts[i] >= threshold and best.hit.chunk.chunk_id not in shown:
            shown.add(best.hit.chunk.chunk_id)
            extra.append(best)
    return extra
