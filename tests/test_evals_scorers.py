"""The evaluation scorers and the formatting helpers: pure functions."""

from __future__ import annotations

import pytest

from assistant.format import chat_markdown, sources_markdown, to_json, to_text
from assistant.types import Answer, Citation
from evals.scorers import answer_scores, hit_at, percentile, reciprocal_rank

CITE = Citation(1, "d.en", "Guidelines", "Funding", "Paid <by> funds.", "d.en:f:1", "Betalas.")
ANSWER = Answer("q", "en", "- Paid <by> funds. [1]", (CITE,), False, "extractive", {"total": 1.0})


def test_retrieval_scorers():
    assert hit_at(["a", "b", "c"], {"c"}, 2) == 0.0 and hit_at(["a", "b", "c"], {"c"}, 3) == 1.0
    assert reciprocal_rank(["a", "b"], {"b"}) == 0.5 and reciprocal_rank(["a"], {"z"}) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)


def test_answer_scores():
    scores = answer_scores(ANSWER, {"f"}, True, "en")
    assert scores == {"language_match": 1.0, "correct_abstention": 0.0, "false_refusal": 0.0,
                      "cites_gold": 1.0}


def test_formats_show_original_beside_translation_and_escape_html():
    assert to_json(ANSWER)["citations"][0]["original"] == "Betalas."
    assert "Swedish original: “Betalas.”" in to_text(ANSWER)
    panel = sources_markdown(ANSWER)
    assert "Paid &lt;by&gt; funds." in panel and "Swedish original" in panel
    assert "&lt;by&gt;" in chat_markdown(ANSWER)
