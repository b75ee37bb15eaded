"""The verification gate's rules on hand-written answers (the real embedder judges)."""

from __future__ import annotations

import pytest

from assistant.core.tuning import load_tuning
from assistant.core.types import Answer, Chunk, Hit
from assistant.pipeline.format import chat_markdown
from assistant.pipeline.support import SupportChecker
from assistant.pipeline.verify import StreamGate, settled, verify_answer

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
    return SupportChecker(e5, load_tuning("e5").support)


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


def test_a_sentence_is_settled_once_the_next_one_has_begun():
    assert settled("The reports are written in English. [1] The net") == (
        "The reports are written in English. [1] ")
    assert settled("The reports are written in English. [1]") == ""  # more markers may come
    assert settled("First line. [1]\nSecond") == "First line. [1]\n"
    assert settled("Unmarked. Marked later. [2] Next") == "Unmarked. Marked later. [2] "
    assert settled("Unmarked. Still unmarked. Next") == ""  # their markers are still to come


DRAFT = ("The network is paid for entirely by extrabudgetary funds. [2] Each city pays a "
         "membership fee of 500 euros to UNESCO. [2]\n"
         "- The reports are written in English. [1]\n"
         "- The creative cities shall report to the Commission every three years. [1]")


def test_streaming_shows_a_sentence_only_once_it_has_passed_the_gate(checker: SupportChecker):
    gate = StreamGate("en", PASSAGES, checker)
    shown: list[tuple[int, str]] = []
    for end in range(1, len(DRAFT) + 1, 3):  # a model writing three characters at a time
        if added := gate.feed(DRAFT[:end]):
            shown.append((end, added))
    checked = gate.result(DRAFT)
    streamed = "".join(added for _, added in shown)
    assert "500 euros" not in streamed and "three years" not in streamed
    assert checked.text == ("The network is paid for entirely by extrabudgetary funds. [1]\n"
                            "- The reports are written in English. [2]")
    assert streamed == checked.text  # sentence by sentence, as the final check has it
    assert len(shown) == 2 and shown[0][0] > DRAFT.index("[2] Each")  # each after its marker
    assert len(gate.judged) == 4  # every sentence judged once, the final check included


def test_the_chat_never_shows_the_sentences_the_gate_removed():
    answer = Answer("How is the network funded?", "en", "The network is paid for entirely by "
                    "extrabudgetary funds. [1]", (), False, "openai",
                    dropped=("The network is funded by the European Union through Creative "
                             "Europe.",))
    shown = chat_markdown(answer)
    assert "European Union" not in shown and "Creative Europe" not in shown
    assert "1 sentences the sources do not support were removed" in shown
