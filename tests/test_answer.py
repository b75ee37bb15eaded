"""Composing extractive answers: whole passages, lead-ins bring their lists, each item cited
once, and the passages closest to the question chosen."""

from __future__ import annotations

from assistant.answer import FRAMING, compose, extractive, supporting_hits
from assistant.citations import claims
from assistant.support import Thresholds
from assistant.types import Chunk, Hit


def _hit(block_id: str, text: str, lead_in: str = "", items: tuple[Hit, ...] = (),
         dense: float = 0.9) -> Hit:
    chunk = Chunk(f"d:{block_id}:x", "d", block_id, "sv", "T", ("S",), text, text, "d",
                  "bullet" if lead_in else "paragraph", lead_in)
    return Hit(chunk, 0.03, 1, dense, None, items)


LEAD = "Städerna ska:"
B1, B2 = _hit("b1", "Rapportera årligen.", LEAD), _hit("b2", "Samarbeta.", LEAD)


def test_single_bullet_shows_its_lead_in():
    lines, cited = compose([B1])
    assert lines == ["- *Städerna ska:* Rapportera årligen. [1]"] and cited == [B1]


def test_lead_in_brings_its_list_and_absorbs_chosen_items():
    lead = _hit("l", LEAD, items=(B1, B2))
    lines, cited = compose([B2, lead])
    assert lines == ["- Städerna ska: [1]", "  - Rapportera årligen. [2]", "  - Samarbeta. [3]"]
    assert [h.chunk.block_id for h in cited] == ["l", "b1", "b2"]


def test_footnote_list_items_each_carry_the_marker():
    note = _hit("fn", "• A (2005)\n• B (2003)")
    lines, _ = compose([_hit("p", "Se dokumenten.", items=(note,))])
    assert lines == ["- Se dokumenten. [1]", "  - A (2005) [2]\n  - B (2003) [2]"]


def test_long_passages_are_quoted_whole():
    text = "Möten hålls årligen. Musik träffas två gånger. Gastronomi träffas ad hoc."
    lines, _ = compose([_hit("m", text)])
    assert lines == [f"- {text} [1]"]


def test_closest_supported_passages_are_chosen_best_first():
    limits = Thresholds(coverage=0.0, dense=0.8, dense_alone=0.85)
    near = _hit("near", "Musik träffas två gånger per år.", dense=0.9)
    far = _hit("far", "Musik är ett område.", dense=0.82)
    unsupported = _hit("no", "Musik träffas.", dense=0.7)
    question = "Hur ofta träffas musikstäderna?"
    assert supporting_hits(question, "sv", [unsupported, far, near], limits) == [near]


def test_every_answer_line_is_a_claim_with_a_marker():
    text, citations = extractive("Hur ofta träffas musik?", "sv",
                                 [_hit("m", "Musik träffas två gånger per år.")],
                                 Thresholds(0.0, 0.8, 0.85))
    found = claims(text, FRAMING)
    assert [c.markers for c in found] == [(1,)] and citations[0].quote in found[0].text
