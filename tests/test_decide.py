"""The answer-or-refuse decision: its evidence (IDF-weighted coverage, unknown words, a bank
question that does not count for itself), the fitted model as package data (its threshold
in the tuning), the threshold search and the reliability table of the report."""

from __future__ import annotations

import math

import pytest

from assistant.core.text import stem_of, terms
from assistant.core.tuning import load_tuning
from assistant.core.types import BankQuestion, Chunk
from assistant.pipeline.decide import (
    FEATURES,
    Model,
    compound_parts,
    load_model,
    part_queries,
    question_stems,
)
from assistant.pipeline.query import parse
from assistant.pipeline.service import Assistant, for_model
from assistant.storage.evidence import Evidence
from evals.fit_decision import threshold_for
from evals.separation import reliability, separation, trade_off


def _chunk(key: str, text: str, language: str = "sv") -> Chunk:
    return Chunk(f"d:{key}:{language}", "d", key, language, "T", (), text, text, "d")


def _evidence() -> Evidence:
    groups = {"d#a": [_chunk("a", "Städerna rapporterar varje år till rådet.")],
              "d#b": [_chunk("b", "Nätverket finansieras av städerna själva.")],
              "d#c": [_chunk("c", "Musik träffas två gånger per år.")]}
    bank = {"d#b": [BankQuestion("q1", "d#b", "sv", "Vem betalar nätverkets möten?"),
                    BankQuestion("q2", "d#b", "sv", "Hur finansieras nätverket?")]}
    return Evidence.build(groups, bank)


def test_coverage_counts_the_passage_and_its_bank_questions_weighted_by_idf():
    evidence = _evidence()
    assert evidence.coverage(terms("betalar nätverket", "sv"), "d#b", "sv") == 1.0  # bank
    assert evidence.coverage(terms("betalar", "sv"), "d#a", "sv") == 0.0
    rare, common = (evidence.idf(terms(w, "sv")[0], "sv") for w in ("musik", "städerna"))
    assert rare > common  # one passage has "musik", two have "städerna"


def test_a_bank_question_left_out_is_no_evidence_for_itself():
    evidence = _evidence()
    pays = terms("betalar", "sv")
    assert evidence.coverage(pays, "d#b", "sv", exclude={"q1"}) == 0.0
    assert evidence.unknown(pays, "sv") == 0.0
    assert evidence.unknown(pays, "sv", own="d#b", exclude={"q1"}) == 1.0
    assert evidence.unknown(terms("köttbullar betalar", "sv"), "sv") > 0.5  # meatballs


def test_the_model_is_package_data_with_its_provenance():
    model = load_model("e5")
    assert model.features == FEATURES and 0 < load_tuning("e5").decision.threshold < 1
    assert model.fit["training"]["auc_5fold"] > 0.5  # type: ignore[index]
    coverage = FEATURES.index("coverage")
    low, high = ([0.9] * len(FEATURES), [0.9] * len(FEATURES))
    low[coverage], high[coverage] = 0.0, 1.0
    assert model.probability(high) > model.probability(low)  # coverage counts for an answer


def test_probability_is_logistic_in_the_standardised_features():
    model = Model(("a",), (2.0,), -1.0, (0.5,), (0.25,), {})
    assert model.probability([0.5]) == pytest.approx(1 / (1 + math.e))
    assert model.probability([0.75]) == pytest.approx(1 / (1 + math.exp(-1.0)))


def test_the_threshold_is_the_lowest_with_the_stated_precision():
    scores = [(0.9, True), (0.8, True), (0.7, False), (0.6, True), (0.2, False)]
    assert threshold_for(scores, 0.75) == 0.6  # 3 of 4 answered are answerable
    assert threshold_for(scores, 0.9) == 0.8
    assert threshold_for([(0.5, False)], 0.9) == 1.0  # never precise enough: never answer


def test_reliability_bins_predicted_against_observed():
    cases = [{"answerable": a, "scores": {"confidence": p}}
             for p, a in ((0.05, False), (0.08, True), (0.95, True), (1.0, True))]
    rows = reliability(cases)
    assert [(r["cases"], r["observed"]) for r in rows] == [(2, 0.5), (2, 1.0)]
    assert rows[0]["predicted"] == pytest.approx(0.065)


def test_separation_is_the_auc_of_the_confidence_over_answerable_questions():
    def cases(*scored: tuple[float, bool]) -> list[dict[str, object]]:
        return [{"answerable": a, "scores": {"confidence": p}} for p, a in scored]

    assert separation(cases((0.9, True), (0.4, True), (0.3, False))) == 1.0
    assert separation(cases((0.9, False), (0.4, True), (0.3, True))) == 0.0
    assert separation(cases((0.5, True), (0.5, False))) == 0.5  # a tie separates nothing
    assert separation(cases((0.6, True), (0.2, False), (0.4, True), (0.5, False))) == 0.75
    assert separation(cases((0.9, True), (0.1, True))) is None  # no unanswerable question


def test_trade_off_leaves_out_the_thresholds_another_matches_or_betters_on_both_counts():
    cases = [{"answerable": a, "scores": {"confidence": p}}
             for p, a in ((0.9, True), (0.6, True), (0.5, False), (0.4, True), (0.2, False))]
    points = [(p["threshold"], p["correct_abstention"], p["false_refusals"])
              for p in trade_off(cases)]
    # 0.2 refuses nothing and 0.5 refuses an answerable case for no more abstention: both
    # beaten by 0.4; 0.9 refuses one more answerable case for nothing: beaten by 0.6.
    assert points == [(0.4, 0.5, 0.0), (0.6, 1.0, pytest.approx(1 / 3))]
    assert trade_off(cases[:2]) == []  # no unanswerable case
    assert trade_off([*cases, {"answerable": False, "scores": {}}]) == trade_off(cases)


def test_each_part_of_a_question_is_judged_as_a_question_of_its_own():
    reading = load_tuning("e5").reading
    query = parse("Hur många städer ingår i nätverket, och när ska rapporten lämnas?", reading,
                  "sv")
    parts = part_queries(query)
    assert [p.search for p in parts] == list(query.parts) and len(parts) == 2
    assert [p.parts for p in parts] == [(p.search,) for p in parts]
    assert parts[0].asks == {"count"} and parts[1].asks == frozenset()  # the part's own kind
    assert part_queries(parse("Hur ofta träffas städerna?", reading, "sv")) == []


def test_a_question_asking_two_things_is_answered_from_a_passage_for_each(
        assistant: Assistant):
    """Real index and decision: how often the cities report to UNESCO, and in which language
    they report to the Commission, are stated by two passages; both are quoted."""
    answer = assistant.ask("Hur ofta ska städerna rapportera till Unesco, och på vilket "
                           "språk ska årsrapporten till Unescorådet skrivas?", "sv")
    quoted = " ".join(c.quote for c in answer.citations)
    assert "Vart fjärde år" in quoted and "engelska" in quoted


def test_the_decision_judges_passages_ranked_below_the_first_five(full_assistant: Assistant):
    """The guideline and the instruments indexed, the real decision: the article that answers
    ranks below the fusion's top five, and is quoted because the decision judges the whole
    pool; judging five, it refuses."""
    question = "What lists does the Committee of the 2003 Convention keep?"
    ranks = {h.chunk.block_id: h.rank for h in full_assistant.retriever.candidates(question, "en")}
    assert ranks["c2003-art16-1"] > 5
    answer = full_assistant.ask(question, "en")
    assert "c2003-art16-1" in [c.chunk_id.split(":")[1] for c in answer.citations]
    five = full_assistant.tuned(full_assistant.tuning.changed({"selection.pool": 5}))
    assert five.ask(question, "en").abstained
    hits = full_assistant.retriever.candidates(question, "en")
    given = [h.chunk.block_id for h in for_model(hits, answer.citations, 5)]
    assert given[:5] == [h.chunk.block_id for h in hits[:5]]  # a model: the first five,
    assert "c2003-art16-1" in given[5:]  # then the lower passage the answer quotes



def test_a_compound_no_text_uses_is_read_as_its_parts():
    """'Musikstäderna' is in no passage or bank question; 'musik' and 'städerna' are, so a
    question about it covers their passages. A compound whose parts the texts do not use,
    and a place the question names, stay one word."""
    evidence, limits = _evidence(), load_tuning("e5").terms
    reading = load_tuning("e5").reading
    asked = parse("Musikstäderna?", reading, "sv")
    assert question_stems(asked) == terms("musikstäderna", "sv")
    stems = question_stems(asked, evidence, limits)
    assert stems == [stem_of("musik", "sv"), stem_of("städerna", "sv")]
    assert evidence.coverage(question_stems(asked), "d#c", "sv") == 0.0
    assert evidence.coverage(stems, "d#c", "sv") > 0.0
    assert compound_parts("köttbullarna", evidence, limits) == terms("köttbullarna", "sv")
    smithy = Evidence.build({"d#s": [_chunk("s", "En smedja ligger vid backen.")]}, {})
    named = parse("Hur många bor i Smedjebacken?", reading, "sv")  # a municipality, kept
    assert named.names == ("Smedjebacken",)
    assert compound_parts("smedjebacken", smithy, limits) == [stem_of("smedje", "sv"),
                                                              stem_of("backen", "sv")]
    assert stem_of("smedjebacken", "sv") in question_stems(named, smithy, limits)
