"""The Swedish-to-English term list that lets a Swedish question search the English-only
instruments by their words."""

from __future__ import annotations

import tomllib
from importlib.resources import files

from assistant.core.tuning import load_tuning
from assistant.pipeline.glossary import TERMS, glossary, in_english
from assistant.pipeline.service import Assistant

LIMITS = load_tuning("e5").terms


def test_every_entry_reads_and_inflections_find_it():
    raw = tomllib.loads(files("assistant").joinpath("data", TERMS).read_text("utf-8"))
    assert len(raw["terms"]) >= 150 and all(v.strip() for v in raw["terms"].values())
    assert glossary()  # stems built
    english = in_english("Vilka skatter gäller för konstnärernas verk?", LIMITS).split()
    assert {"taxation", "artists", "works"} <= set(english)
    assert in_english("Hur ofta ska städerna rapportera?", LIMITS) == "report"
    assert in_english("Östersund", LIMITS) == ""


def test_a_swedish_question_finds_the_english_article_it_names(full_assistant: Assistant):
    question = "Vad menas med kulturella näringar i 2005 års konvention?"
    hits = full_assistant.retriever.hits(question, "sv", 5, source="en")
    assert "c2005-art4-5" in [h.chunk.block_id for h in hits]  # "Cultural industries" refers to


def test_an_english_question_is_not_bridged(full_assistant: Assistant):
    retriever = full_assistant.retriever
    assert retriever._bridged("What are cultural industries?", "en", None, 40) == []
    assert retriever._bridged("Vad är kulturella näringar?", "sv", "sv", 40) == []
    assert retriever._bridged("Vad är kulturella näringar?", "sv", None, 40)


def test_an_english_passage_is_judged_on_the_swedish_question_s_terms(
        full_assistant: Assistant):
    from assistant.pipeline.decide import FEATURES, features, question_stems

    retriever = full_assistant.retriever
    query = retriever.parse("Vad menas med kulturella näringar i 2005 års konvention?", "sv")
    hits = retriever.hits(query, k=5, source="en")
    gold = next(h for h in hits if h.chunk.block_id == "c2005-art4-5")
    other = next(h for h in hits if "industries" not in h.chunk.text.lower())
    stems, at = question_stems(query), FEATURES.index("coverage")
    evidence = retriever.index.evidence
    assert (features(query, gold, evidence, stems, LIMITS)[at]
            > features(query, other, evidence, stems, LIMITS)[at])
