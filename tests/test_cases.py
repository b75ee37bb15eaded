"""The evaluation sets themselves: complete, consistent with the corpus, and validated."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.core.settings import REPO_ROOT
from assistant.core.tuning import load_tuning
from evals.cases import CASES_FILE, load_cases
from evals.scorers import normalise
from ingest.legal import parse_legal
from ingest.loaders import load_corpus, read_text
from tests.conftest import CORPUS

HOLDOUT = CASES_FILE.parent / "holdout.yaml"
CONVENTIONS = CASES_FILE.parent / "conventions.yaml"
HOLDOUT_SV = CASES_FILE.parent / "holdout_conventions_sv.yaml"  # blind Swedish, instruments
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "corpus"  # the instruments, never copied here
INSTRUMENTS = {"c2005": "unesco-2005-convention-diversity-of-cultural-expressions.en.txt",
               "c2003": "unesco-2003-convention-intangible-cultural-heritage.en.txt",
               "r1980": "unesco-1980-recommendation-status-of-the-artist.en.txt"}
SECTIONS = ("natverket", "moten", "finansiering", "dokument", "syfte", "mal-allman",
            "mal-global", "mal-nationell", "unescoradet")
FOOTNOTE_SECTION = {"fotnot-1": "dokument", "fotnot-2": "mal-nationell"}


@pytest.fixture(scope="module")
def blocks() -> dict[tuple[str, str], str]:
    return {(d.language, b.block_id): f"{b.lead_in} {b.text}"
            for d in load_corpus(CORPUS) for b in d.blocks}


@pytest.fixture(scope="module")
def instrument_blocks() -> dict[str, str]:
    """The English instruments' passages by block id (asked in either language)."""
    return {b.block_id: f"{b.lead_in} {b.text}"
            for prefix, name in INSTRUMENTS.items()
            for b in parse_legal([(None, line) for line in
                                  read_text(SHARED_CORPUS / name).split("\n")], prefix,
                                 load_tuning("e5").layout)}


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


def test_the_conventions_set_covers_both_languages_and_all_instruments():
    cases = load_cases(CONVENTIONS)
    languages = Counter(c.language for c in cases)
    assert len(cases) >= 30 and languages["sv"] >= 12 and languages["en"] >= 12
    assert sum(not c.answerable for c in cases) >= 5
    assert {g.split("-")[0] for c in cases for g in c.gold} == set(INSTRUMENTS)
    assert {c.source for c in cases} == {"en"}


@pytest.mark.parametrize("path", [CASES_FILE, HOLDOUT, CONVENTIONS, HOLDOUT_SV],
                         ids=["cases", "holdout", "conventions", "holdout-sv-instruments"])
def test_gold_passages_exist_and_hold_every_key_fact(path: Path, blocks, instrument_blocks):
    on_instruments = path in (CONVENTIONS, HOLDOUT_SV)
    for case in load_cases(path):
        gold = [instrument_blocks[g] if on_instruments else blocks[(case.language, g)]
                for g in case.gold]
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
