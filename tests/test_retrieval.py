"""Hybrid retrieval on the real index: the LangChain interface, the restriction to one
language's text, the spreading of long lists, and the sentence vectors."""

from __future__ import annotations

from assistant.pipeline.retrieve import HybridRetriever
from assistant.pipeline.service import Assistant


def test_retriever_speaks_langchain(assistant: Assistant):
    docs = assistant.retriever.invoke("Hur finansieras nätverket?")
    assert docs[0].id.startswith("riktlinjer-kreativa-stader:finansiering-1:")
    assert docs[0].metadata["section"] == "Finansiering"
    assert docs[0].page_content.startswith("Nätverket finansieras inte med Unescos")


def test_source_restricts_retrieval_to_one_language(assistant: Assistant):
    question = "How often must the creative cities report to UNESCO?"
    hits = assistant.retriever.hits(question, "en", 5, source="sv")
    assert hits and all(h.chunk.language == "sv" and h.original is None for h in hits)
    assert {h.chunk.block_id for h in hits} & {"moten-2", "mal-nationell-8"}


def test_a_third_bullet_of_one_list_brings_the_lead_in_instead(assistant: Assistant):
    retriever: HybridRetriever = assistant.retriever
    hits = retriever.hits("Vad ska Svenska Unescorådet göra?", "sv", 5)
    blocks = [h.chunk.block_id for h in hits]
    council = [b for b in blocks if b.startswith("unescoradet-") and b != "unescoradet-1"]
    assert len(council) <= retriever.tuning.ranking.per_list
    lead = next(h for h in hits if h.chunk.block_id == "unescoradet-1")
    assert len(lead.items) == 5  # the lead-in brings the whole list


def test_a_later_fact_the_question_asks_for_leads(full_assistant: Assistant):
    """The supplement keeps more of its score than an instrument (`supplement_weight`), so its
    fact leads when it is what the question asks; at the instruments' share it did not
    (the guideline, the supplement and the instruments indexed, as by default)."""
    for question, language, fact in [
            ("Vilket kreativt område är nytt sedan 2025?", "sv", "arkitektur"),
            ("How often is the UNESCO call for applications open?", "en", "vartannat-ar")]:
        hits = full_assistant.retriever.hits(question, language, 5)
        assert hits[0].chunk.block_id == fact
        assert hits[0].chunk.doc_id.startswith("tillagg-senare-uppgifter")
        held = full_assistant.tuned(full_assistant.tuning.changed(
            {"ranking.supplement_weight": full_assistant.tuning.ranking.background_weight}))
        assert held.retriever.hits(question, language, 5)[0].chunk.block_id != fact
