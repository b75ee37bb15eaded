"""Questions about the referenced instruments: how a question names one, definition
questions, questions asking several things, cognates and the support check's context."""

from __future__ import annotations

import pytest

from assistant.definitions import asks_definition, defined_term, defines
from assistant.glossary import cognates, in_english
from assistant.service import Assistant
from assistant.text import asked_parts


def _blocks(assistant: Assistant, question: str, language: str, k: int = 5) -> list[str]:
    return [h.chunk.block_id for h in assistant.retriever.hits(question, language, k)]


@pytest.mark.parametrize(("question", "named"), [
    ("Kan bibliotek anställa konstnärer enligt rekommendationen från 1980?",
     ["unesco-1980-recommendation"]),
    ("What does the Convention of 2003 say about inventories?", ["unesco-2003-convention"]),
    ("Vad säger 2005-konventionen om fonden?", ["unesco-2005-convention"]),
    ("Vilken konvention från 2003 nämns bland de relevanta dokumenten?", []),  # asks which
    ("Which UNESCO convention from 2005 is among the relevant documents?", []),
    ("Vad säger strategin för 2018–2021?", []),
])
def test_a_question_names_an_instrument_by_its_kind_and_year(full_assistant: Assistant,
                                                             question, named):
    naming = full_assistant.retriever.index.naming(question)
    assert list(naming.documents) == named
    assert all(span.lower() in question.lower() for span in naming.spans)


def test_definitions_are_found_in_the_legal_texts():
    assert defined_term("“Cultural industries” refers to industries producing …") == \
        "Cultural industries"
    assert defined_term("`Artist' is taken to mean any person who creates …") == "Artist"
    assert defined_term("The “intangible cultural heritage” means the practices …") == \
        "intangible cultural heritage"
    assert defined_term("Parties shall endeavour, by all appropriate means, to …") == ""
    assert asks_definition("Vad menas med kulturella näringar?")
    assert asks_definition("Who counts as an artist?")
    assert not asks_definition("How often do Parties report?")
    text = "“Cultural industries” refers to industries producing and distributing …"
    assert defines("Vad menas med kulturella näringar?", "sv", text, "en")  # term list
    assert not defines("Vad menas med kulturell mångfald?", "sv", text, "en")


def test_a_definition_question_is_answered_by_the_definition(full_assistant: Assistant):
    question = "Who counts as an artist in the 1980 Recommendation?"
    assert _blocks(full_assistant, question, "en", 2)[0] in ("r1980-I-1", "r1980-I-2")
    answer = full_assistant.ask(question, "en")
    assert "`Artist' is taken to mean" in answer.text.split("[1]")[0]


def test_a_question_asking_several_things_is_searched_part_by_part(full_assistant: Assistant):
    assert asked_parts("Hur många stater sitter i kommittén, och hur länge väljs de?") == [
        "Hur många stater sitter i kommittén", "hur länge väljs de"]
    assert asked_parts("Eftersom nätverket betalas av Unesco, hur stor del får vi?") == [
        "Eftersom nätverket betalas av Unesco, hur stor del får vi?"]  # a premise
    assert len(asked_parts("Vad ska städerna rapportera?")) == 1
    question = "Hur många stater sitter i kommittén för immateriellt kulturarv, och hur " \
               "länge väljs de?"
    found = _blocks(full_assistant, question, "sv")
    assert {"c2003-art5-1", "c2003-art6-2"} <= set(found)  # 18 States; a term of four years


def test_cognates_fill_what_the_term_list_lacks():
    vocabulary = {"festivals", "distribution", "democracy", "statistics", "reports"}
    assert cognates("Gäller det festivaler och distribution?", vocabulary) == \
        "festivals distribution"
    assert cognates("Främjar den demokrati?", vocabulary) == ""  # too far apart
    assert cognates("Ska de rapportera statistik?", vocabulary) == ""  # in the list
    assert "international" in in_english("Internationella fonden").split()  # a variant


def test_naming_two_instruments_does_not_rule_out_either(full_assistant: Assistant):
    question = ("Since the 2003 Convention, like the 2005 one, makes States Parties report, "
                "what do those reports have to cover?")
    answer = full_assistant.ask(question, "en")
    assert not answer.abstained
    assert "legislative, regulatory and other measures" in answer.text


def test_a_question_about_particular_swedish_things_is_not_answered_by_an_instrument(
        full_assistant: Assistant):
    question = ("Which Swedish traditions are inscribed on the Representative List of the "
                "Intangible Cultural Heritage of Humanity?")
    assert full_assistant.ask(question, "en").abstained
    answered = full_assistant.ask("Måste Sverige utse en kontaktpunkt enligt 2005 års "
                                  "konvention?", "sv")
    assert not answered.abstained and "point of contact" in answered.text


def test_the_instrument_s_name_is_no_evidence_for_a_swedish_question(
        full_assistant: Assistant):
    """Only "konvention" links the question to the adoption clause; a date Sweden acted on
    is not in the instrument."""
    answer = full_assistant.ask("Vilket datum ratificerade Sverige 2003 års konvention?", "sv")
    assert answer.abstained
