"""Follow-up questions are made standalone before retrieval."""

from __future__ import annotations

from assistant.core.tuning import load_tuning
from assistant.pipeline.generate import is_follow_up, standalone
from assistant.pipeline.service import Assistant

FIRST = "Hur ofta ska städerna rapportera till Svenska Unescorådet?"
FOLLOW_UP = load_tuning("e5").follow_up


def test_follow_ups_are_recognised():
    assert is_follow_up("och på vilket språk?", "sv", FOLLOW_UP)
    assert is_follow_up("And to whom?", "en", FOLLOW_UP)
    assert not is_follow_up("Hur finansieras nätverket av Unesco?", "sv", FOLLOW_UP)


def test_a_question_with_fewer_content_terms_than_the_tuning_asks_leans_on_the_one_before():
    wanting_more = FOLLOW_UP.model_copy(update={"min_terms": 4})  # it has three
    assert is_follow_up("Hur finansieras nätverket av Unesco?", "sv", wanting_more)


def test_without_a_model_the_previous_question_is_joined():
    assert standalone("och på vilket språk?", "sv", [(FIRST, "…")], FOLLOW_UP) == (
        f"{FIRST} och på vilket språk?")
    assert standalone("och på vilket språk?", "sv", [], FOLLOW_UP) == "och på vilket språk?"


def test_a_follow_up_in_the_chat_finds_the_passage_it_leans_on(assistant: Assistant):
    answer = assistant.ask("och på vilket språk?", history=[(FIRST, "I slutet av varje år.")])
    assert not answer.abstained and "engelska" in answer.text
    assert any(":mal-nationell-8:" in c.chunk_id for c in answer.citations)


def test_the_question_a_follow_up_leans_on_is_its_context_not_an_answer_of_its_own(
        assistant: Assistant):
    """Read with the question before it, a follow-up the sources do not answer is refused:
    the earlier question, answerable alone, is not judged as one of its parts."""
    answer = assistant.ask("Vad kostar det?", history=[(FIRST, "I slutet av varje år.")])
    assert answer.abstained and answer.citations == ()
