"""Composing extractive answers: lead-ins bring their lists, each item cited once."""

from __future__ import annotations

from assistant.answer import best_sentences, compose, sentences
from assistant.types import Chunk, Hit


def _hit(block_id: str, text: str, lead_in: str = "", items: tuple[Hit, ...] = ()) -> Hit:
    chunk = Chunk(f"d:{block_id}:x", "d", block_id, "sv", "T", ("S",), text, text, "d",
                  "bullet" if lead_in else "paragraph", lead_in)
    return Hit(chunk, 0.03, 1, 0.9, None, items)


LEAD = "Städerna ska:"
B1, B2 = _hit("b1", "Rapportera årligen.", LEAD), _hit("b2", "Samarbeta.", LEAD)


def test_single_bullet_shows_its_lead_in():
    lines, cited = compose("rapportera", "sv", [B1])
    assert lines == ["- *Städerna ska:* Rapportera årligen. [1]"] and cited == [B1]


def test_lead_in_brings_its_list_and_absorbs_chosen_items():
    lead = _hit("l", LEAD, items=(B1, B2))
    lines, cited = compose("vad ska städerna", "sv", [B2, lead])
    assert lines == ["- Städerna ska: [1]", "  - Rapportera årligen. [2]", "  - Samarbeta. [3]"]
    assert [h.chunk.block_id for h in cited] == ["l", "b1", "b2"]


def test_footnote_list_rendered_as_nested_items():
    note = _hit("fn", "• A (2005)\n• B (2003)")
    lines, _ = compose("dokument", "sv", [_hit("p", "Se dokumenten.", items=(note,))])
    assert lines == ["- Se dokumenten. [1]", "  - [2]\n    - A (2005)\n    - B (2003)"]


def test_best_sentences_keeps_the_relevant_ones_in_order():
    text = "Möten hålls årligen. Musik träffas två gånger. Gastronomi träffas ad hoc."
    assert sentences(text)[1] == "Musik träffas två gånger."
    assert best_sentences("Hur ofta träffas städerna inom musik?", "sv", text) == [
        "Musik träffas två gånger."]
    assert best_sentences("Vad kostar det?", "sv", text) == sentences(text)
