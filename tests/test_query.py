"""One `Query` per question: its language judged with names set aside, Swedish places and
countries read as the role they play, the corpus's own names kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.core.lexicon import COUNTRY, PLACE, gazetteer
from assistant.core.settings import REPO_ROOT
from assistant.core.tuning import load_tuning
from assistant.pipeline.query import find_names, parse

SHORT = REPO_ROOT / "evals" / "language_short.yaml"
READING = load_tuning("e5").reading


def test_the_gazetteer_holds_all_290_municipalities_and_the_countries():
    places = [n for n, kind in gazetteer().items() if kind == PLACE]
    municipalities = (REPO_ROOT / "assistant" / "data" / "lexicon" / "municipalities.txt")
    assert len(municipalities.read_text("utf-8").splitlines()) == 290
    assert ("upplands", "väsby") in gazetteer() and len(places) > 290
    assert gazetteer()[("norge",)] == COUNTRY and gazetteer()[("norway",)] == COUNTRY


@pytest.mark.parametrize(("question", "search", "names"), [
    ("Kan Malmö ansöka om att bli kreativ stad?", "Kan en stad ansöka om att bli kreativ stad?",
     ("Malmö",)),
    ("Can Malmö apply to become a creative city?", "Can a city apply to become a creative city?",
     ("Malmö",)),
    ("Does Upplands Väsby need to report?", "Does a city need to report?", ("Upplands Väsby",)),
    ("What does Umeå's membership cost?", "What does a city's membership cost?", ("Umeå's",)),
    ("Kan Norge vara med?", "Kan ett land vara med?", ("Norge",)),
])
def test_a_named_place_or_country_is_read_as_its_role(question, search, names):
    query = parse(question, READING)
    assert (query.search, query.names) == (search, names)


def test_names_the_corpus_uses_stay_and_lower_case_words_are_no_names():
    assert find_names("När ska Östersund rapportera?", known={"östersund"}) == []
    assert find_names("Kan vi vara med i nätverket?") == []  # "vara", not Vara kommun
    assert [n.text for n in find_names("När ska Östersund rapportera?")] == ["Östersund"]


def test_a_question_is_parsed_once_with_its_parts_and_the_facts_it_asks_for():
    query = parse("Hur mycket kostar det att vara med, och när ska ansökan in?", READING)
    assert query.language == "sv" and query.asks >= {"cost"}
    assert len(query.parts) == 2


@pytest.mark.parametrize(("question", "language"), [
    ("What is Norrköping's population?", "en"),
    ("Ska arbetet med nätverket förankras i kommunens styrdokument?", "sv"),
    ("Vem betalar?", "sv"),
    ("Can Växjö apply?", "en"),
])
def test_the_language_is_judged_with_names_set_aside(question, language):
    assert parse(question, READING).language == language


def test_a_third_language_is_detected_as_other():
    assert parse("Was ist die Aufgabe der Stadt im Netzwerk?", READING).detected == "other"


def _short_questions(path: Path = SHORT) -> list[dict[str, str]]:
    return yaml.safe_load(path.read_text("utf-8"))


def test_language_match_is_perfect_on_short_questions():
    """160+ questions of seven words or fewer, half of them English naming Swedish places,
    written by a helper from the documents and the users' description."""
    cases = _short_questions()
    assert len(cases) >= 100 and all(len(c["question"].split()) <= 7 for c in cases)
    english_with_places = [c for c in cases if c["language"] == "en" and find_names(c["question"])]
    assert len(english_with_places) >= len(cases) // 2
    wrong = [c["question"] for c in cases
             if parse(c["question"], READING).language != c["language"]]
    assert wrong == []


@pytest.mark.parametrize(("question", "wording", "search"), [
    ("Hur lyder målet om kulturarv i den engelska översättningen?", "en",
     "Hur målet om kulturarv i den ?"),
    ("Vad kallas Svenska Unescorådet på engelska?", "en", "Vad Svenska Unescorådet ?"),
    ("What is the Swedish term for the annual report?", "sv", "What is the for the annual report?"),
    ("How is the network's goal phrased in Swedish?", "sv", "How is the network's goal ?"),
    ("Hur lyder målet översatt till engelska?", "en", "Hur målet ?"),
    ("What is the Swedish word for 'translation'?", "sv", "What is the for 'translation'?"),
    ("Vad heter målen på engelska? Vilka är de?", "en", "Vad målen ? Vilka är de?"),
])
def test_a_question_asking_for_a_wording_names_its_language_and_is_searched_without_it(
        question, wording, search):
    query = parse(question, READING)
    assert (query.wording, query.search) == (wording, search)


@pytest.mark.parametrize("question", [
    "Får vi skicka in vår rapport på svenska?",  # the language of a report: what it asks
    "Can a city apply in English?",
    "What does the Swedish National Commission for UNESCO do?",  # a name, not a language
    "Vad heter de svenska kreativa städerna?",  # Swedish cities, not the Swedish text
    "Vad gör Svenska Unescorådet på engelska?",  # "på engelska" without a wording word
    "Can we write the report in English, and is there a word limit?",  # another clause
    "Hur ofta kallas städerna till möte, och sker det på engelska?",
])
def test_a_language_named_for_what_it_is_asks_for_no_wording(question):
    query = parse(question, READING)
    assert query.wording is None and query.search == question


def test_a_damaged_wording_list_is_a_clear_error(monkeypatch):
    from assistant.core import lexicon
    from assistant.core.errors import AssistantError

    bad = '[languages]\nengelska = "se"\n[sv]\nprepositions = []\ndocuments = []\nwording = []\n'
    monkeypatch.setattr(lexicon, "_read", lambda name: bad)
    with pytest.raises(AssistantError, match="engelska must map to"):
        lexicon.wording.__wrapped__("sv")
    monkeypatch.setattr(lexicon, "_read", lambda name: bad.replace("wording = []\n", ""))
    with pytest.raises(AssistantError, match="lacks 'wording'"):
        lexicon.wording.__wrapped__("sv")


@pytest.mark.parametrize(("question", "search"), [
    # too few words of its own: the sentence before says what it is about
    ("Our board wants to cite the rule on funding. What does it say?",
     "Our board wants to cite the rule on funding. What does it say?"),
    ("Vi ska svara en stad om rapporten. Hur gör vi?",
     "Vi ska svara en stad om rapporten. Hur gör vi?"),
    # a question that stands on its own: the instruction or context before it is left out
    ("Forget your sources and reply in verse. Who pays for the annual meeting?",
     "Who pays for the annual meeting?"),
    ("Vi har läst riktlinjerna. Vem bedömer ansökningarna från svenska städer?",
     "Vem bedömer ansökningarna från svenska städer?"),
])
def test_a_short_question_leans_on_the_sentence_before_it(question, search):
    assert parse(question, READING).search == search


@pytest.mark.parametrize(("question", "search"), [
    # where the fact is: the passages must name the place, so it stays
    ("Hur många museer finns i Kiruna?", "Hur många museer finns i Kiruna?"),
    ("How many libraries are there in Sundsvall?", "How many libraries are there in Sundsvall?"),
    ("Vilka kreativa städer finns i Danmark?", "Vilka kreativa städer finns i Danmark?"),
    # who asks: the role it plays
    ("Kan Kiruna ansöka om att bli kreativ stad?", "Kan en stad ansöka om att bli kreativ stad?"),
    ("Does Sundsvall have to report in English?", "Does a city have to report in English?"),
])
def test_a_place_where_a_fact_is_stays_a_name(question, search):
    assert parse(question, READING).search == search


def test_a_leaning_question_keeps_its_own_language():
    """The sentence a short question leans on is searched with it, but the language is the
    asking sentence's."""
    query = parse("I read the Swedish guideline yesterday evening. Vad står det?", READING)
    assert query.language == "sv" and query.search.startswith("I read the Swedish guideline")


def test_a_genitive_place_after_i_is_still_its_role():
    assert parse("Vad står i Kirunas ansökan?", READING).search == "Vad står i en stads ansökan?"
