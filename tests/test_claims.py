"""Splitting an answer into claims (sentences with their citation markers)."""

from __future__ import annotations

from assistant.core.messages import message
from assistant.pipeline.answer import FRAMING
from assistant.pipeline.citations import Claim, claims


def test_framing_lines_are_not_claims_and_markup_is_dropped():
    text = f"{message('answer.intro', 'sv')}\n\n- *Städerna ska:* Rapportera årligen. [1]"
    assert claims(text, FRAMING) == [Claim("Städerna ska: Rapportera årligen.", (1,))]


def test_a_marker_at_the_end_of_a_bullet_covers_its_sentences():
    found = claims("- First sentence. Second sentence [2][3]\n  - Item [4]")
    assert found == [Claim("First sentence.", (2, 3)), Claim("Second sentence", (2, 3)),
                     Claim("Item", (4,))]


def test_sentences_without_markers_are_claims_without_citations():
    assert claims("Cities report yearly [1]. They also dance.") == [
        Claim("Cities report yearly.", (1,)), Claim("They also dance.", ())]


def test_abbreviations_do_not_end_sentences():
    assert claims("- T.ex. Världsarv, biosfärområden m.fl. [2]") == [
        Claim("T.ex. Världsarv, biosfärområden m.fl.", (2,))]
