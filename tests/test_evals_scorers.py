"""The evaluation scorers and the formatting helpers: small functions, each checked."""

from __future__ import annotations

import pytest

from assistant.core.tuning import load_tuning
from assistant.core.types import Answer, Citation
from assistant.pipeline.format import chat_markdown, sources_markdown, to_json, to_text
from assistant.pipeline.support import SupportChecker
from evals.scorers import (
    citation_problems,
    claim_scores,
    crag,
    key_fact_recall,
    language_match,
    percentile,
    recall_at,
    reciprocal_rank,
    share,
)

CITE = Citation(1, "d.en", "Guidelines", "Funding", "Paid <by> funds.", "d.en:f:1", "Betalas.")
ANSWER = Answer("q", "en", "- Paid <by> funds. [1]", (CITE,), False, "extractive", {"total": 1.0})
FUNDING = "The network is not funded from UNESCO's regular budget but by extrabudgetary funds."
REPORT = "The creative cities shall report to the Commission at the end of each year."


def _answer(text: str, *quotes: str) -> Answer:
    cites = tuple(Citation(n, "d", "T", "S", q, f"d:{n}") for n, q in enumerate(quotes, 1))
    return Answer("q", "en", text, cites, not cites, "test", retrieved=tuple(c.chunk_id
                                                                              for c in cites))


def test_retrieval_scorers_count_what_each_rank_brings():
    ranked = [{"a"}, {"b", "c"}, {"d"}]
    assert recall_at(ranked, {"c", "d"}, 1) == 0.0
    assert recall_at(ranked, {"c", "d"}, 2) == 0.5
    assert recall_at(ranked, {"c", "d"}, 3) == 1.0
    assert reciprocal_rank(ranked, {"c"}) == 0.5 and reciprocal_rank(ranked, {"z"}) == 0.0


def test_key_facts_any_alternative_case_and_markup_insensitive():
    text = "- *Städerna ska:* Rapportera **i slutet av varje år** [1] på engelska."
    assert key_fact_recall(text, [["i slutet av varje år"], ["English", "engelska"]]) == 1.0
    assert key_fact_recall(text, [["vart fjärde år"], ["engelska"]]) == 0.5
    assert key_fact_recall(text, []) == 0.0


def test_language_match_ignores_names_in_brackets():
    text = ("The guidelines do not say. The Swedish National Commission for UNESCO "
            "(Svenska Unescorådet) can answer this question.")
    assert language_match(text, "en") == 1.0 and language_match(text, "sv") == 0.0
    assert language_match("Riktlinjerna säger inget om detta.", "sv") == 1.0


def test_language_match_sets_aside_a_wording_asked_for_in_the_other_language():
    english = ("At the end of each year, report on their work to the Commission. The reports "
               "are written in English so that they can be used as a basis for the reports to "
               "UNESCO that recur every four years. They are read by the Commission's staff.")
    asked = ("- Rapportera årligen. [1]\n"
             f"  - I den inofficiella översättningen till engelska: “{english}” [1]")
    assert language_match(asked, "sv") == 1.0  # shown by request, under its label
    unasked = f"- Rapportera årligen. [1]\n  - “{english}” [1]"
    assert language_match(unasked, "sv") == 0.0  # the long English text outweighs the Swedish


def test_crag_scores():
    assert crag(True, False, 1.0) == 1 and crag(True, False, 0.5) == -1
    assert crag(True, True, 0.0) == 0
    assert crag(False, True, 0.0) == 1 and crag(False, False, 0.0) == -1


def test_citation_problems():
    documents = {"d.en": "The network is Paid <by> funds.", "d": "Betalas."}
    assert citation_problems(CITE, {"d.en:f:1"}, documents) == []
    found = citation_problems(CITE, set(), {"d.en": "other"})
    assert found == ["[1] cites d.en:f:1, which was not retrieved",
                     "[1] quote is not verbatim in d.en",
                     "[1] original text is not verbatim in any source"]


@pytest.fixture(scope="module")
def checker(e5) -> SupportChecker:
    return SupportChecker(e5, load_tuning("e5").support)


def test_claim_scores_alce_recall_precision_and_faithfulness(checker: SupportChecker):
    text = ("- The network is not funded from UNESCO's regular budget. [1][2]\n"
            "- The creative cities shall report every month. [2]\n"
            "- Cities report at the end of each year. [1]")
    scores = claim_scores(_answer(text, FUNDING, REPORT), "en", checker, [FUNDING, REPORT])
    assert scores.claims == 3
    assert scores.supported == 1  # only the first is supported by its own citations
    assert scores.precise == 1  # [2] is not needed for the first sentence
    assert scores.citations == 4
    assert scores.grounded == 2  # the third is supported by a retrieved passage it did not cite
    assert scores.unsupported == ("The creative cities shall report every month.",)


def test_an_abstention_has_no_claims(checker: SupportChecker):
    text = ("The guidelines do not say. The Swedish National Commission for UNESCO "
            "(Svenska Unescorådet) can answer this question.")
    assert claim_scores(_answer(text), "en", checker, []).claims == 0


def test_share_and_percentile():
    assert share(1, 4) == 0.25 and share(0, 0) == 1.0 and share(0, 0, 0.0) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([], 95) == 0.0


def test_formats_show_original_beside_translation_and_escape_html():
    assert to_json(ANSWER)["citations"][0]["original"] == "Betalas."
    assert "Swedish original: “Betalas.”" in to_text(ANSWER)
    panel = sources_markdown(ANSWER)
    assert "Paid &lt;by&gt; funds." in panel and "Swedish original" in panel
    assert "&lt;by&gt;" in chat_markdown(ANSWER)


def test_a_wording_asked_for_is_in_every_source_list_once():
    """A Swedish answer's citation with its unofficial English translation: in the terminal,
    the sources panel and an exported reply; an English answer's Swedish original that is
    also the text asked for is shown once, as the original."""
    from dataclasses import replace

    from assistant.features.export import from_answer, source_list

    swedish = Citation(1, "d", "Riktlinjer", "Rapport", "Rapportera årligen.", "d:r:1",
                       parallel="Report yearly.", parallel_language="en")
    answer = Answer("q", "sv", "- Rapportera årligen. [1]", (swedish,), False, "extractive", {})
    label = "I den inofficiella översättningen till engelska"
    assert f"{label}: “Report yearly.”" in to_text(answer)
    assert f"*{label}:*\n\n> Report yearly." in sources_markdown(answer)
    assert f"({label}: “Report yearly.”)" in source_list(from_answer(answer))[0]
    asked = replace(CITE, parallel="Betalas.", parallel_language="sv", parallel_original=True)
    english = replace(ANSWER, citations=(asked,))
    assert to_text(english).count("Betalas.") == 1 and "In the Swedish original" not in to_text(
        english)
