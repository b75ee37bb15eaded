"""The offline support check: names and numbers must match; terms must be covered."""

from __future__ import annotations

import pytest

from assistant.support import Thresholds, coverage, missing, names_and_numbers, support
from assistant.types import Chunk, Hit

PASSAGE = "Östersund utsågs 2010 till kreativ stad inom gastronomi."


def _hit(text: str, dense: float) -> Hit:
    chunk = Chunk("d:p:x", "d", "p", "sv", "T", ("Nätverket",), text, text, "d")
    return Hit(chunk, 0.03, 1, dense)


def test_names_and_numbers_found():
    assert names_and_numbers("När utsågs Östersund, 2010 eller 2017?") == {"östersund", "2010",
                                                                            "2017"}
    assert names_and_numbers("Vilka städer i Norge är med?") == {"norge"}


def test_missing_names_and_numbers():
    assert missing("Utsågs Östersund 2010?", PASSAGE) == ()
    assert missing("Utsågs Östersund 2011?", PASSAGE) == ("2011",)
    assert missing("Är Lund med i nätverket?", PASSAGE) == ("lund",)


def test_coverage_uses_stems():
    # kreativa ~ kreativ and gastronomi match; städer (städ) does not match stad
    assert coverage("kreativa städer gastronomi", "sv", PASSAGE) == pytest.approx(2 / 3)
    assert coverage("utses", "sv", PASSAGE) == 0.0  # a different stem (uts vs utsåg)
    assert coverage("kreativa", "sv", PASSAGE) == 1.0
    assert coverage("hur", "sv", PASSAGE) == 0.0


def test_support_verdicts():
    limits = Thresholds(coverage=0.5, dense=0.8, dense_alone=0.95)
    assert support("När utsågs Östersund till gastronomistad?", "sv", _hit(PASSAGE, 0.85),
                   limits).supported
    assert not support("När utsågs Lund?", "sv", _hit(PASSAGE, 0.99), limits).supported
    assert not support("Vad kostar medlemskap?", "sv", _hit(PASSAGE, 0.85), limits).supported
    assert support("Vad kostar medlemskap?", "sv", _hit(PASSAGE, 0.96), limits).supported
