"""Composing extractive answers: whole passages, lead-ins bring their lists, each item cited
once, and the passages closest to the question chosen."""

from __future__ import annotations

from dataclasses import replace

from assistant.core.tuning import load_tuning
from assistant.core.types import Chunk, Hit
from assistant.pipeline.answer import FRAMING, compose, extractive, select
from assistant.pipeline.citations import claims
from assistant.pipeline.decide import Judged
from assistant.pipeline.query import parse


def _hit(block_id: str, text: str, lead_in: str = "", items: tuple[Hit, ...] = (),
         dense: float = 0.9) -> Hit:
    chunk = Chunk(f"d:{block_id}:x", "d", block_id, "sv", "T", ("S",), text, text, "d",
                  "bullet" if lead_in else "paragraph", lead_in)
    return Hit(chunk, 0.03, 1, dense, None, items)


LEAD = "Städerna ska:"
B1, B2 = _hit("b1", "Rapportera årligen.", LEAD), _hit("b2", "Samarbeta.", LEAD)


def test_single_bullet_shows_its_lead_in():
    lines, cited = compose([B1], "sv")
    assert lines == ["- *Städerna ska:* Rapportera årligen. [1]"] and cited == [B1]


def test_lead_in_brings_its_list_and_absorbs_chosen_items():
    lead = _hit("l", LEAD, items=(B1, B2))
    lines, cited = compose([B2, lead], "sv")
    assert lines == ["- Städerna ska: [1]", "  - Rapportera årligen. [2]", "  - Samarbeta. [3]"]
    assert [h.chunk.block_id for h in cited] == ["l", "b1", "b2"]


def test_footnote_list_items_each_carry_the_marker():
    note = _hit("fn", "• A (2005)\n• B (2003)")
    lines, _ = compose([_hit("p", "Se dokumenten.", items=(note,))], "sv")
    assert lines == ["- Se dokumenten. [1]", "  - A (2005) [2]\n  - B (2003) [2]"]


def _english(block_id: str, text: str, lead_in: str = "") -> Chunk:
    """The unofficial English translation of a passage of document d (d.en, family d)."""
    return Chunk(f"d.en:{block_id}:x", "d.en", block_id, "en", "T", ("S",), text, text, "d",
                 "bullet" if lead_in else "paragraph", lead_in)


def test_the_wording_asked_for_is_a_bullet_under_each_quote_with_its_marker():
    """A passage with its lead-in gets the translation of both; a nested item its own; a
    footnote list item by item; each labelled as the unofficial translation."""
    label = "I den inofficiella översättningen till engelska"
    bullet = replace(B1, parallel=_english("b1", "Report yearly.", "The cities shall:"))
    lines, _ = compose([bullet], "sv")
    assert lines == ["- *Städerna ska:* Rapportera årligen. [1]\n"
                     f"  - {label}: “The cities shall: Report yearly.” [1]"]
    item = replace(B2, parallel=_english("b2", "Cooperate."))
    lead = _hit("l", LEAD, items=(item,))
    assert compose([lead], "sv")[0][1] == f"  - Samarbeta. [2]\n    - {label}: “Cooperate.” [2]"
    note = replace(_hit("fn", "• A (2005)\n• B (2003)"),
                   parallel=_english("fn", "• A (2005) en\n• B (2003) en"))
    assert compose([note], "sv")[0] == [
        f"- A (2005) [1]\n  - {label}: “A (2005) en” [1]\n"
        f"- B (2003) [1]\n  - {label}: “B (2003) en” [1]"]


def test_a_passage_without_the_asked_for_language_is_said_to_be_shown_as_it_is():
    query = parse("Hur lyder målet på engelska?", load_tuning("e5").reading)
    judged = _judged((_hit("m", "Musik."), 0.9))
    text, citations = extractive(query, judged, TUNING)
    assert query.wording == "en" and citations[0].parallel is None
    assert text.endswith("Några av de citerade styckena finns inte på engelska; de visas på "
                         "sitt eget språk.")
    assert not [c for c in claims(text, FRAMING) if "finns inte" in c.text]  # framing


def test_long_passages_are_quoted_whole():
    text = "Möten hålls årligen. Musik träffas två gånger. Gastronomi träffas ad hoc."
    lines, _ = compose([_hit("m", text)], "sv")
    assert lines == [f"- {text} [1]"]


TUNING = load_tuning("e5").changed(  # no siblings but in their own test
    {"decision.threshold": 0.5, "selection.margin": 0.2, "selection.max_passages": 3,
     "selection.siblings": 0})


def _judged(*pairs: tuple[Hit, float]) -> list[Judged]:
    return [Judged(hit, p) for hit, p in pairs]


def test_passages_near_the_best_are_chosen_best_first():
    near, close, far = _hit("near", "Musik."), _hit("close", "Musik två."), _hit("far", "Ad hoc.")
    judged = _judged((near, 0.9), (close, 0.75), (far, 0.6))
    assert select(judged, TUNING) == [near, close]  # 0.6 is more than 0.2 below the best


def test_a_passage_far_below_a_strong_best_is_not_quoted_even_within_the_margin():
    """Near the best means within the margin and at least `share` of the best: beside a
    strong passage (0.9), one at 0.5 is within a wide margin but less than 0.6 of it."""
    tuned = TUNING.changed({"selection.margin": 0.5, "selection.share": 0.6})
    best, near, weak = _hit("a", "Musik."), _hit("b", "Musik två."), _hit("c", "Ad hoc.")
    judged = _judged((best, 0.9), (near, 0.6), (weak, 0.5))
    assert select(judged, tuned) == [best, near]
    assert select(judged, tuned.changed({"selection.share": 0.0})) == [best, near, weak]


def test_each_part_of_a_question_brings_its_most_likely_passage():
    """A question asking two things: the passage that answers the second part is quoted
    though the whole question's probability puts it far below the best."""
    first, second, other = _hit("a", "Musik."), _hit("b", "Engelska."), _hit("c", "Ad hoc.")
    judged = [Judged(first, 0.9, (0.9, 0.1)), Judged(other, 0.6, (0.2, 0.4)),
              Judged(second, 0.55, (0.1, 0.55))]
    assert select(judged, TUNING) == [first, second]  # `other` answers neither part enough


def _article(block_id: str, heading: str, doc_id: str = "c") -> Hit:
    chunk = Chunk(f"{doc_id}:{block_id}:en", doc_id, block_id, "en", "C", ("IV", heading),
                  "Text.", "Text.", doc_id)
    return Hit(chunk, 0.03, 1, 0.9)


def test_an_article_s_other_retrieved_paragraphs_join_it_above_their_floor():
    """The chosen paragraph brings its article's other retrieved paragraphs that reach half
    the threshold (0.25 here); not one of another article or document, one below the floor,
    or a lead-in (which would bring its whole list)."""
    tuned = TUNING.changed({"selection.sibling_share": 0.5, "selection.siblings": 2})
    first, second, third = (_article(f"art8-{n}", "Article 8") for n in (1, 2, 3))
    other, elsewhere = _article("art9", "Article 9"), _article("art8-1", "Article 8", "x")
    lead = replace(_article("art8-4", "Article 8"), items=(_article("art8-4-a", "Article 8"),))
    judged = [Judged(first, 0.9), Judged(lead, 0.5), Judged(elsewhere, 0.45),
              Judged(other, 0.3), Judged(second, 0.28), Judged(third, 0.2)]
    assert select(judged, tuned) == [first, second]


def _later(block_id: str, text: str) -> Hit:
    chunk = Chunk(f"s:{block_id}:x", "s", block_id, "sv", "Tillägg", ("S",), text, text, "s")
    return Hit(chunk, 0.03, 6, 0.9)


def test_a_later_fact_as_likely_as_the_guideline_s_best_is_quoted_after_it():
    """The supplement's passage joins an answer from the guideline's undated passages when it
    is within the margin of their best, and not when it is far below it."""
    own, near, far = _hit("g", "Rådet bedömer ansökningar."), _later("n", "Stödbrev."), _later(
        "f", "Vartannat år.")
    judged = [Judged(own, 0.8), Judged(near, 0.7), Judged(far, 0.55)]
    assert select(judged, TUNING, later={"s"}) == [own, near]


def test_nothing_is_chosen_below_the_threshold():
    assert select(_judged((_hit("m", "Musik."), 0.49)), TUNING) == []


def test_every_answer_line_is_a_claim_with_a_marker():
    query = parse("Hur ofta träffas musik?", TUNING.reading, "sv")
    judged = _judged((_hit("m", "Musik träffas två gånger per år."), 0.8))
    text, citations = extractive(query, judged, TUNING)
    found = claims(text, FRAMING)
    assert [c.markers for c in found] == [(1,)] and citations[0].quote in found[0].text


def test_a_refusal_points_to_the_national_commission():
    text, citations = extractive(parse("Vad kostar det?", TUNING.reading, "sv"),
                                 _judged((_hit("m", "Musik."), 0.1)), TUNING)
    assert citations == [] and "Svenska Unescorådet" in text
