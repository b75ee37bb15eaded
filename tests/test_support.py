"""The offline support check's parts for generated sentences: names and numbers must match,
terms are covered by stems."""

from __future__ import annotations

import pytest

from assistant.core.tuning import load_tuning
from assistant.pipeline.support import coverage, missing, names_and_numbers

LIMITS = load_tuning("e5").support

PASSAGE = "Östersund utsågs 2010 till kreativ stad inom gastronomi."


def test_names_and_numbers_found():
    assert names_and_numbers("När utsågs Östersund, 2010 eller 2017?") == {"östersund", "2010",
                                                                            "2017"}
    assert names_and_numbers("Vilka städer i Norge är med?") == {"norge"}
    assert names_and_numbers("Vilka finska städer är med?") == {"finska"}
    assert names_and_numbers("Which two goals?", spelled=False) == set()
    assert names_and_numbers("Vad säger Unescostrategin?") == set()


def test_missing_names_and_numbers():
    assert missing("Utsågs Östersund 2010?", PASSAGE, LIMITS) == ()
    assert missing("Utsågs Östersund 2011?", PASSAGE, LIMITS) == ("2011",)
    assert missing("Är Lund med i nätverket?", PASSAGE, LIMITS) == ("lund",)
    assert missing("Cities in Norway?", "Samarbeta med städerna i Norden.", LIMITS) == ()


def test_coverage_uses_stems():
    # kreativa ~ kreativ and gastronomi match; städer (städ) does not match stad
    assert coverage("kreativa städer gastronomi", "sv", PASSAGE) == pytest.approx(2 / 3)
    assert coverage("utses", "sv", PASSAGE) == 0.0  # a different stem (uts vs utsåg)
    assert coverage("kreativa", "sv", PASSAGE) == 1.0
    assert coverage("hur", "sv", PASSAGE) == 0.0
