"""The sentence-level support check with the real embedder: what the evaluation and the
verification of generated answers rely on."""

from __future__ import annotations

import pytest

from assistant.core.tuning import load_tuning
from assistant.pipeline.support import SupportChecker

REPORT_SV = ("På nationell nivå ska de kreativa städerna: I slutet av varje år rapportera om "
             "sitt arbete till Svenska Unescorådet. Rapporterna skrivs på engelska så att de "
             "kan användas som utgångspunkt för de vart fjärde år återkommande rapporterna till "
             "Unesco.")
REPORT_EN = ("At national level, the creative cities shall: At the end of each year, report on "
             "their work to the Swedish National Commission for UNESCO. The reports are written "
             "in English so that they can be used as a basis for the reports to UNESCO that "
             "recur every four years.")


@pytest.fixture(scope="module")
def checker(e5) -> SupportChecker:
    return SupportChecker(e5, load_tuning("e5").support)


def test_a_verbatim_quote_is_supported(checker: SupportChecker):
    verdict = checker.judge("Rapporterna skrivs på engelska", "sv", [REPORT_SV])
    assert verdict.supported and verdict.problems == ()


def test_a_close_paraphrase_is_supported(checker: SupportChecker):
    sentence = "The creative cities shall report on their work to the National Commission " \
               "at the end of each year."
    assert checker.judge(sentence, "en", [REPORT_EN]).supported


@pytest.mark.parametrize("sentence, problem", [
    ("The creative cities should report on their work to the Swedish National Commission "
     "for UNESCO at the end of each year.", "obligation word not in the source: should"),
    ("The creative cities shall report to the Swedish National Commission for UNESCO every "
     "three years.", "not in the source: 3"),
    ("At the beginning of each year, the creative cities shall report on their work to the "
     "Swedish National Commission for UNESCO.", "timing not in the source: year-start"),
    ("The Swedish National Commission for UNESCO shall report on its work to the creative "
     "cities at the end of each year.", "the source says this of cities, not council"),
    ("The reports are not written in English.", "negates what the source states"),
])
def test_a_changed_fact_is_caught(checker: SupportChecker, sentence: str, problem: str):
    verdict = checker.judge(sentence, "en", [REPORT_EN])
    assert not verdict.supported and problem in verdict.problems


def test_an_unrelated_passage_does_not_support(checker: SupportChecker):
    passage = "Nätverket finansieras inte med Unescos reguljära budget."
    verdict = checker.judge("Rapporterna skrivs på engelska.", "sv", [passage])
    assert not verdict.supported
