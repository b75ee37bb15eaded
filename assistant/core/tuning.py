"""Every threshold, weight and limit of reading a question, retrieval, the answer-or-refuse
decision, passage selection, the support check, follow-up questions, draft replies and the
layout of referenced documents: one typed, frozen `Tuning`, read once from package data
(`assistant/data/tuning.toml`), where each entry has its value, the reason for it and where
the value came from. An entry may be given per fitted decision (`decision.threshold.e5`);
`load_tuning` picks the one for the embedder in use."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.core.errors import AssistantError

TUNING_FILE = "tuning.toml"
FITTED = ("e5", "minilm")  # the embedders a decision is fitted for


class Stage(BaseModel):
    """One stage's entries (frozen: a changed value is a new `Tuning`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Reading(Stage):
    """How a question is read: its language (function words first, then the detectors) and
    the parts of a question asking several things."""

    clear_vote: int
    other_confidence: float
    other_min_words: int
    min_part: int
    lean_terms: int


class Fusion(Stage):
    """The lists retrieval fuses: how deep each is searched and what each weighs."""

    rrf_k: int
    depth: int
    depth_per_k: int
    sentence_fanout: int
    min_vectors: int
    sentence_weight: float
    lexical_weight: float
    bridge_weight: float
    named_weight: float
    named_bridge_weight: float
    bank_weight: float
    bank_lexical_weight: float
    bank_fanout: int


class Ranking(Stage):
    """How the fused ranking is reordered: authority, the kind of answer asked for, lists."""

    background_weight: float
    supplement_weight: float
    preamble_weight: float
    definition_weight: float
    evidence_weight: float
    per_list: int
    later_extra: int


class Terms(Stage):
    """How a Swedish word is matched to the term list, to English cognates and to a term a
    passage defines."""

    min_head: int
    min_modifier: int
    min_root: int
    variant_ending: int
    min_cognate: int
    cognate_share: float
    definition_match: float


class Decision(Stage):
    """The answer-or-refuse decision's threshold, for the embedder in use."""

    threshold: float


class Fit(Stage):
    """How `python -m evals.fit_decision` fits the decision and chooses its threshold."""

    precision: float
    negative_weight: float
    bank_questions: int


class Selection(Stage):
    """Which of the passages the decision accepts an answer quotes."""

    pool: int
    margin: float
    share: float
    max_passages: int
    later: int
    sibling_share: float
    siblings: int


class Support(Stage):
    """The offline support check of a generated sentence against its passages."""

    coverage: float
    similarity: float
    similarity_alone: float
    language_chars: int
    name_letters: int
    name_ending: int
    actor_after: int
    actor_before: int
    opening_words: int
    negated_share: float


class FollowUp(Stage):
    """When a question leans on the one before, and how it is rewritten to stand alone."""

    min_terms: int
    prompt_turns: int
    max_rewrite_chars: int


class Draft(Stage):
    """How much of a pasted email a draft reply answers."""

    max_questions: int


class Layout(Stage):
    """How a referenced document's lines are read as paragraphs and headings (ingest/pdf.py,
    ingest/legal.py): it shapes the index, so a change takes effect at the next ingest."""

    short: float
    percentile: float
    min_lines: int
    heading_lines: int
    title_chars: int
    title_lines: int


class Tuning(Stage):
    """The whole tuning, by stage."""

    reading: Reading
    fusion: Fusion
    ranking: Ranking
    terms: Terms
    decision: Decision
    fit: Fit
    selection: Selection
    support: Support
    follow_up: FollowUp
    draft: Draft
    layout: Layout

    @classmethod
    def names(cls) -> list[str]:
        """Every entry's name, `stage.entry`."""
        return [f"{stage}.{name}" for stage, info in cls.model_fields.items()
                for name in info.annotation.model_fields]  # type: ignore[union-attr]

    def value(self, name: str) -> float:
        """One entry's value, by its name."""
        stage, entry = _split(name)
        return getattr(getattr(self, stage), entry)  # type: ignore[no-any-return]

    def changed(self, values: Mapping[str, object]) -> Tuning:
        """The same tuning with the named entries set to new values (checked like the
        file's: an int entry takes an int)."""
        raw = self.model_dump()
        for name, value in values.items():
            stage, entry = _split(name)
            raw[stage][entry] = value
        try:
            return Tuning.model_validate(raw)
        except ValidationError as err:
            wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
            raise AssistantError(f"A tuning value does not fit its entry ({wrong}).") from err


def _split(name: str) -> tuple[str, str]:
    """A name's stage and entry, or an error listing every valid name."""
    if name not in Tuning.names():
        raise AssistantError(f"Unknown tuning entry {name!r}; the entries are: "
                             f"{', '.join(Tuning.names())}.")
    stage, _, entry = name.partition(".")
    return stage, entry


class Entry(BaseModel):
    """One entry of the file: its value, why it has that value and where the value came
    from ("calibrated by …" or "chosen: …")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float | int
    reason: str = Field(min_length=1)
    source: str = Field(min_length=1)


def fitted_for(embedder: str) -> str:
    """Which fitted decision an embedder uses: its own, else MiniLM's (any other
    sentence-transformers model)."""
    return embedder if embedder in FITTED else "minilm"


def _walk(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, item in table.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and "value" not in item:
            yield from _walk(item, f"{name}.")
        else:
            yield name, item


def read_entries(text: str) -> dict[str, Entry]:
    """Every entry of a tuning file's text, by its dotted name."""
    try:
        return {name: Entry.model_validate(raw) for name, raw in _walk(tomllib.loads(text))}
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        raise AssistantError(f"The tuning file is damaged ({' '.join(str(err).split())}); "
                             "reinstall the package or restore assistant/data/tuning.toml."
                             ) from err


@cache
def entries() -> dict[str, Entry]:
    """The shipped tuning file's entries."""
    return read_entries(files("assistant").joinpath("data", TUNING_FILE).read_text("utf-8"))


def tuning_of(found: Mapping[str, Entry], embedder: str) -> Tuning:
    """The tuning the entries give an embedder."""
    raw: dict[str, dict[str, float | int]] = {}
    for name, entry in found.items():
        stage, entry_name, *fitted = name.split(".")
        if not fitted or fitted == [fitted_for(embedder)]:
            raw.setdefault(stage, {})[entry_name] = entry.value
    try:
        return Tuning.model_validate(raw)
    except ValidationError as err:
        raise AssistantError(f"The tuning file does not match the assistant ({err.error_count()} "
                             f"problems: {' '.join(str(err).split())}); restore "
                             "assistant/data/tuning.toml.") from err


@cache
def load_tuning(embedder: str) -> Tuning:
    """The shipped tuning for an embedder (its decision threshold is fitted for it)."""
    return tuning_of(entries(), embedder)
