"""Questions about the referenced instruments: how a question names one, definition
questions, questions asking several things, cognates and the support check's context."""

from __future__ import annotations

import pytest

from assistant.core.text import asked_parts
from assistant.core.tuning import load_tuning
from assistant.pipeline import facts
from assistant.pipeline.definitions import asks_definition, defined_term, defines
from assistant.pipeline.glossary import cognates, english_of, in_english
from assistant.pipeline.service import Assistant

LIMITS = load_tuning("e5").terms
MIN_PART = load_tuning("e5").reading.min_part

def _blocks(assistant: Assistant, question: str, language: str, k: int = 5) -> list[str]:
    return [h.chunk.block_id for h in assistant.retriever.hits(question, language, k)]


@pytest.mark.parametrize(("question", "named", "spans"), [
    ("Kan bibliotek anställa konstnärer enligt rekommendationen från 1980?",
     ["unesco-1980-recommendation"], ["rekommendationen från 1980"]),
    ("What does the Convention of 2003 say about inventories?", ["unesco-2003-convention"],
     ["convention of 2003"]),
    ("Vad säger 2005-konventionen om fonden?", ["unesco-2005-convention"],
     ["2005-konventionen"]),
    ("Since the 2003 Convention, like the 2005 one, …?",
     ["unesco-2003-convention", "unesco-2005-convention"],
     ["2003 convention", "convention, like the 2005"]),
    ("Vilken konvention från 2003 nämns bland de relevanta dokumenten?", [], []),  # asks which
    ("Vilka konventioner från 2003 och 2005 nämns i riktlinjerna?", [], []),
    ("Which UNESCO convention from 2005 is among the relevant documents?", [], []),
    ("Vad säger konventionen om rapporter 2005?", [], []),  # a content word between
    ("Vad säger strategin för 2018–2021?", [], []),
])
def test_a_question_names_an_instrument_by_its_kind_and_year(full_assistant: Assistant,
                                                             question, named, spans):
    naming = full_assistant.retriever.index.naming(question)
    assert list(naming.documents) == named and list(naming.spans) == spans


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
    assert defines("Vad menas med kulturella näringar?", "sv", text, "en", LIMITS)  # term list
    assert not defines("Vad menas med kulturell mångfald?", "sv", text, "en", LIMITS)


def test_a_definition_question_is_answered_by_the_definition(full_assistant: Assistant):
    question = "Who counts as an artist in the 1980 Recommendation?"
    assert _blocks(full_assistant, question, "en", 2)[0] in ("r1980-I-1", "r1980-I-2")
    answer = full_assistant.ask(question, "en")
    assert "`Artist' is taken to mean" in answer.text.split("[1]")[0]


def test_a_question_asking_several_things_is_searched_part_by_part(full_assistant: Assistant):
    several = "Hur många stater sitter i kommittén, och hur länge väljs de?"
    premise = "Eftersom nätverket betalas av Unesco, hur stor del får vi?"
    assert asked_parts(several, MIN_PART) == [
        "Hur många stater sitter i kommittén", "hur länge väljs de"]
    assert asked_parts(premise, MIN_PART) == [premise]
    assert len(asked_parts("Vad ska städerna rapportera?", MIN_PART)) == 1
    question = "Hur många stater sitter i kommittén för immateriellt kulturarv, och hur " \
               "länge väljs de?"
    found = _blocks(full_assistant, question, "sv")
    assert {"c2003-art5-1", "c2003-art6-2"} <= set(found)  # 18 States; a term of four years


def test_cognates_fill_what_the_term_list_lacks():
    vocabulary = {"festivals", "distribution", "democracy", "statistics", "reports"}
    assert cognates("Gäller det festivaler och distribution?", vocabulary, LIMITS) == \
        "festivals distribution"
    assert cognates("Främjar den demokrati?", vocabulary, LIMITS) == ""  # too far apart
    assert cognates("Ska de rapportera statistik?", vocabulary, LIMITS) == ""  # in the list
    assert "international" in in_english("Internationella fonden", LIMITS).split()  # a variant


def test_naming_two_instruments_does_not_rule_out_either(full_assistant: Assistant):
    question = ("Since the 2003 Convention, like the 2005 one, makes States Parties report, "
                "what do those reports have to cover?")
    answer = full_assistant.ask(question, "en")
    assert not answer.abstained
    assert "legislative, regulatory and other measures" in answer.text


def test_compound_heads_and_variants_do_not_mistranslate():
    assert english_of("nätverk", LIMITS) == ""  # not "works"
    assert english_of("medlemskap", LIMITS) == ""  # not "creation"
    assert english_of("gotland", LIMITS) == english_of("ansökning", LIMITS) == ""
    assert "visual" in english_of("bildkonstnär", LIMITS)  # its own entry
    assert english_of("internationell", LIMITS) == "international"


def test_kinds_of_fact_asked_for():
    assert facts.asked_for("Hur många procent av budgeten?") >= {"share"}
    assert "share" in facts.evidence("one per cent of the cost")
    assert "share" not in facts.evidence("a proportion of the budget")


@pytest.mark.parametrize(("question", "parts"), [
    ("How many States sit on the Committee of the 2003 Convention, and for how long are "
     "they elected?",
     ["How many States sit on the Committee of the 2003 Convention",
      "for how long are they elected"]),
    ("Hur ofta ska städerna rapportera till rådet, och på vilket språk?",
     ["Hur ofta ska städerna rapportera till rådet", "på vilket språk"]),
    ("What must the cities report and to whom?",  # "to whom": too short to be a part
     ["What must the cities report and to whom?"]),
])
def test_a_part_may_open_with_a_preposition(question, parts):
    assert asked_parts(question, MIN_PART) == parts


@pytest.mark.parametrize(("question", "counts"), [
    ("How much say should the local groups have in how a tradition is looked after?", False),
    ("Hur mycket inflytande ska grupperna ha över hur traditionen vårdas?", False),
    ("How much money is in the Fund?", True),
    ("Hur mycket kostar det att söka?", True),
])
def test_how_much_of_a_degree_asks_for_no_number(question, counts):
    assert ("count" in facts.asked_for(question)) is counts


def test_a_degree_question_is_not_answered_with_a_count(full_assistant: Assistant):
    """Read as asking for a number, this question was answered from the Committee's "18
    States Parties" (Article 5.1); it asks how much communities take part."""
    answer = full_assistant.ask("How much say should communities have in safeguarding their "
                                "intangible heritage under the 2003 Convention?", "en")
    labels = {c.label for c in answer.citations}
    assert not answer.abstained and "2003 Convention, Article 5.1" not in labels


@pytest.mark.parametrize(("question", "named"), [
    ("What role are NGOs supposed to play under the diversity convention?",
     ["unesco-2005-convention"]),
    ("According to the artist recommendation, should freelance artists get social security?",
     ["unesco-1980-recommendation"]),
    ("Does the Convention on intangible heritage require inventories?",
     ["unesco-2003-convention"]),
    ("Do the 2003 and 2005 Conventions each set up a fund?",  # two years, one kind word
     ["unesco-2003-convention", "unesco-2005-convention"]),
    ("Vad säger Unescos konvention från 2003 om inventeringar?", ["unesco-2003-convention"]),
    ("We heard that the World Heritage Convention changed.", []),  # another instrument
    ("Does the Convention concerning the Protection of the World Cultural and Natural "
     "Heritage apply?", []),
    ("Which convention protects the diversity of expressions?", []),
])
def test_an_instrument_is_named_by_its_usual_short_names(full_assistant: Assistant, question,
                                                         named):
    assert list(full_assistant.retriever.index.naming(question).documents) == named


@pytest.mark.parametrize("question", [
    "What are the obligations of States, in which the element is located, to safeguard it?",
    "How much must each State pay into the Fund, to which States contribute every two years?",
])
def test_a_relative_clause_is_no_part(question):
    assert asked_parts(question, MIN_PART) == [question]


def test_a_share_of_a_payment_states_a_cost():
    assert "cost" in facts.evidence("In no case shall the contribution of the State Party "
                                    "exceed 1% of its contribution to the Regular Budget.")
    assert "cost" not in facts.evidence("Artists pay taxes. Some 30% of jobs are part-time.")
    assert "cost" not in facts.evidence("Städerna i Europa samarbetar.")  # not "euro"


def test_asking_for_a_year_needs_one(full_assistant: Assistant):
    assert facts.asked_for("In what year did Sweden ratify the 2003 Convention?") == {"date"}
    assert facts.asked_for("Vilket år blev Östersund en kreativ stad?") == {"date"}
    assert full_assistant.ask("In what year did Sweden ratify the 2003 Convention?",
                              "en").abstained
    answer = full_assistant.ask("In what year was Östersund designated a creative city?", "en")
    assert "2010" in answer.text and not answer.abstained
