"""The facts that must agree exactly, in Swedish and English: pure functions."""

from __future__ import annotations

from assistant.core.tuning import load_tuning
from assistant.pipeline.facts import (
    asked_for,
    duties,
    evidence,
    numbers,
    obligations,
    polarity_problem,
    subject,
    times,
)

LIMITS = load_tuning("e5").support


def test_numbers_include_ranges_and_spelled_small_numbers():
    assert numbers("Strategi 2018–2021, vart fjärde år") == {"2018", "2021", "4"}
    assert numbers("every four years, twice a year") == {"4", "2"}
    assert numbers("andra kreativa städer") == set()


def test_obligation_strength_is_the_same_in_both_languages():
    assert obligations("De kreativa städerna ska rapportera.", "sv", LIMITS) == {"must"}
    assert obligations("The cities should report.", "en", LIMITS) == {"should"}
    assert obligations("The cities may report.", "en", LIMITS) == {"may"}
    # "kan" / "can" alone is ability, not permission
    assert obligations("så att de kan användas", "sv", LIMITS) == set()


def test_duties_find_the_actor_after_the_verb_in_swedish_and_before_it_in_english():
    assert duties("På nationell nivå ska de kreativa städerna:", "sv", LIMITS) == [
        ("cities", "must")]
    assert duties("Svenska Unescorådet ska:", "sv", LIMITS) == [("council", "must")]
    assert duties("The Swedish National Commission for UNESCO shall assess", "en", LIMITS) == [
        ("council", "must")]
    assert subject("Vart fjärde år ska de kreativa städerna rapportera till Unesco.", "sv",
                   LIMITS) == "cities"


def test_times():
    assert times("I slutet av varje år") == {"yearly", "year-end"}
    assert times("At the beginning of each year") == {"yearly", "year-start"}
    assert times("monthly reports") == {"monthly"}


def test_polarity():
    passage = "Nätverket finansieras inte med Unescos reguljära budget utan bekostas helt av " \
              "extrabudgetära medel."
    assert polarity_problem("Nätverket finansieras med Unescos reguljära budget.", "sv",
                            passage, LIMITS.negated_share) == "states what the source negates"
    assert polarity_problem("Nätverket bekostas helt av extrabudgetära medel.", "sv",
                            passage, LIMITS.negated_share) is None
    assert polarity_problem("Städerna ska inte rapportera.", "sv",
                            "Städerna ska rapportera.", LIMITS.negated_share) == (
        "negates what the source states")


def test_asked_for_and_evidence():
    assert asked_for("Vad kostar det och vem är kontaktperson?") == {"cost", "contact"}
    assert asked_for("How many cities are members?") == {"count"}
    assert evidence("180 städer i 72 länder") == {"count"}
    assert evidence("Ingen avgift anges.") == {"cost"}
