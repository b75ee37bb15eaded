"""The verification gate's rules on hand-written answers (the real embedder judges)."""

from __future__ import annotations

import pytest

from assistant.support import SupportChecker
from assistant.types import Chunk, Hit
from assistant.verify import verify_answer

REPORT = Hit(Chunk("g.en:r:1", "g.en", "mal-nationell-8", "en", "Guidelines", ("Goals",),
                   "At the end of each year, report on their work to the Swedish National "
                   "Commission for UNESCO. The reports are written in English.", "", "g",
                   "bullet", "At national level, the creative cities shall:"), 0.03, 1, 0.9)
FUNDING = Hit(Chunk("g.en:f:1", "g.en", "finansiering-1", "en", "Guidelines", ("Funding",),
                    "The network is not funded from UNESCO's regular budget but is paid for "
                    "entirely by extrabudgetary funds.", "", "g"), 0.02, 2, 0.9)
PASSAGES = [REPORT, FUNDING]


@pytest.fixture(scope="module")
def checker(e5) -> SupportChecker:
    return SupportChecker(e5)


def test_supported_sentences_are_kept_and_renumbered(checker: SupportChecker):
    draft = "The network is paid for entirely by extrabudgetary funds. [2]"
    checked = verify_answer(draft, "en", PASSAGES, checker)
    assert checked.text == "The network is paid for entirely by extrabudgetary funds. [1]"
    assert [c.chunk_id for c in checked.citations] == ["g.en:f:1"]
    assert (checked.verification.kept, checked.verification.dropped) == (1, 0)


@pytest.mark.parametrize("sentence", [
    "Each city pays a membership fee of 500 euros to UNESCO. [2]",  # invented
    "The creative cities shall report to the Commission every three years. [1]",  # number
    "The creative cities may report on their work to the Swedish National Commission for "
    "UNESCO at the end of each year. [1]",  # obligation word
    "Rapporterna skrivs på engelska och lämnas i slutet av varje år. [1]",  # language
])
def test_unsupported_sentences_are_dropped(checker: SupportChecker, sentence: str):
    checked = verify_answer(f"The reports are written in English. [1] {sentence}", "en",
                            PASSAGES, checker)
    assert checked.text == "The reports are written in English. [1]"
    assert checked.dropped and checked.verification.dropped == 1


def test_invented_or_wrong_citation_numbers_are_repaired(checker: SupportChecker):
    draft = ("- The reports are written in English. [7]\n"
             "- The network is not funded from UNESCO's regular budget. [1]")
    checked = verify_answer(draft, "en", PASSAGES, checker)
    assert checked.text == ("- The reports are written in English. [1]\n"
                            "- The network is not funded from UNESCO's regular budget. [2]")
    assert checked.verification.repaired == 2 and checked.verification.dropped == 0


def test_nothing_supported_leaves_no_citations(checker: SupportChecker):
    checked = verify_answer("Membership is free. The deadline is 1 April.", "en", PASSAGES,
                            checker)
    assert checked.text == "" and checked.citations == () and len(checked.dropped) == 2
