"""The evaluation sets themselves: complete, consistent with the corpus, and validated."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.errors import AssistantError
from evals.cases import CASES_FILE, load_cases
from evals.scorers import normalise
from ingest.loaders import load_corpus
from tests.conftest import CORPUS

HOLDOUT = CASES_FILE.parent / "holdout.yaml"
SECTIONS = ("natverket", "moten", "finansiering", "dokument", "syfte", "mal-allman",
            "mal-global", "mal-nationell", "unescoradet")
FOOTNOTE_SECTION = {"fotnot-1": "dokument", "fotnot-2": "mal-nationell"}


@pytest.fixture(scope="module")
def blocks() -> dict[tuple[str, str], str]:
    return {(d.language, b.block_id): f"{b.lead_in} {b.text}"
            for d in load_corpus(CORPUS) for b in d.blocks}


def test_the_evaluation_set_has_what_the_issue_asks_for():
    cases = load_cases()
    languages = Counter(c.language for c in cases)
    kinds = Counter(c.kind for c in cases)
    assert len(cases) >= 100 and abs(languages["sv"] - languages["en"]) <= len(cases) * 0.1
    assert sum(not c.answerable for c in cases) >= 20
    assert kinds["false-premise"] >= 3 and kinds["injection"] >= 3 and kinds["paraphrase"] >= 10
    assert kinds["multi-part"] >= 5
    assert {c.pair for c in cases} == {"sv->sv", "en->en", "en->sv", "sv->en"}
    assert set(Counter(c.group for c in cases)) == {"city", "prospective", "council", "general"}
    for section in SECTIONS:
        asked = [c for c in cases
                 if any(FOOTNOTE_SECTION.get(g, g).startswith(section) for g in c.gold)]
        assert len(asked) >= 2, section


@pytest.mark.parametrize("path", [CASES_FILE, HOLDOUT], ids=["cases", "holdout"])
def test_gold_passages_exist_and_hold_every_key_fact(path: Path, blocks):
    for case in load_cases(path):
        gold = [blocks[(case.language, g)] for g in case.gold]
        text = normalise(" ".join(gold))
        for fact in case.key_facts:
            assert any(normalise(alt) in text for alt in fact), (case.id, fact)


def test_bad_case_files_say_what_is_wrong(tmp_path: Path):
    bad = tmp_path / "cases.yaml"
    bad.write_text("- {id: x, question: q, language: sv, source: sv, group: city, "
                   "kind: direct, answerable: true}\n", encoding="utf-8")
    with pytest.raises(AssistantError, match="answerable case needs gold"):
        load_cases(bad)
    with pytest.raises(AssistantError, match="No such case ids"):
        load_cases(CASES_FILE, {"no-such-case"})
    assert [c.id for c in load_cases(CASES_FILE, {"sv-natverket-01"})] == ["sv-natverket-01"]
