"""The evaluation set: typed cases loaded from `evals/cases.yaml`, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.core.errors import AssistantError
from assistant.core.settings import REPO_ROOT

CASES_FILE = REPO_ROOT / "evals" / "cases.yaml"
# The in-sample sets: read while the retired rules were written and the threshold chosen.
IN_SAMPLE = tuple(REPO_ROOT / "evals" / f for f in (
    "cases.yaml", "holdout.yaml", "conventions.yaml", "holdout_conventions_sv.yaml",
    "holdout_conventions_en.yaml"))
Kind = Literal["direct", "paraphrase", "cross-lingual", "multi-part", "false-premise",
               "injection", "unanswerable"]


class Case(BaseModel):
    """One question with the passages that answer it and the facts an answer must state."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    question: str
    language: Literal["sv", "en"]
    source: Literal["sv", "en"]
    group: Literal["city", "prospective", "council", "general"]
    kind: Kind
    answerable: bool
    gold: tuple[str, ...] = ()
    key_facts: tuple[tuple[str, ...], ...] = Field(default=())

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.answerable and not (self.gold and self.key_facts):
            raise ValueError("an answerable case needs gold passages and key facts")
        if not self.answerable and (self.gold or self.key_facts):
            raise ValueError("an unanswerable case has no gold passages or key facts")
        return self

    @property
    def pair(self) -> str:
        """The language pair: question language -> language of the text that answers it."""
        return f"{self.language}->{self.source}"


def load_cases(path: Path = CASES_FILE, only: set[str] | None = None) -> list[Case]:
    """Read and validate the cases (or the subset whose ids are in `only`)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases = [Case.model_validate(item) for item in raw]
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as err:
        raise AssistantError(f"Cannot read the evaluation cases in {path}: {err}") from err
    ids = [c.id for c in cases]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AssistantError(f"Duplicate case ids in {path}: {', '.join(twice)}; every id "
                             "must be unique.")
    if only:
        unknown = only - set(ids)
        if unknown:
            raise AssistantError(f"No such case ids in {path}: {', '.join(sorted(unknown))}.")
        cases = [c for c in cases if c.id in only]
    return cases
