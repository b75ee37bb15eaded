"""Reciprocal-rank fusion and the collapse of translations: pure functions."""

from __future__ import annotations

import pytest

from assistant.core.tuning import load_tuning
from assistant.core.types import Chunk
from assistant.pipeline.search import collapse, pick, rrf

RRF_K = load_tuning("e5").fusion.rrf_k


def test_rrf_sums_reciprocal_ranks():
    fused = dict(rrf([["a", "b", "c"], ["b", "a"]], RRF_K))
    assert fused["a"] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert fused["a"] == fused["b"]
    assert fused["c"] == pytest.approx(1 / (RRF_K + 3))


def test_rrf_orders_by_score_then_id():
    assert [i for i, _ in rrf([["x", "y"], ["y"]], RRF_K)] == ["y", "x"]
    assert [i for i, _ in rrf([["b"], ["a"]], RRF_K)] == ["a", "b"]
    assert rrf([], RRF_K) == []


def test_collapse_keeps_best_rank_per_passage():
    ranking = [("en:1", 0.9), ("sv:2", 0.8), ("sv:1", 0.7)]
    key_of = {"en:1": "g#1", "sv:1": "g#1", "sv:2": "g#2"}
    assert collapse(ranking, key_of) == ["g#1", "g#2"]


def _chunk(doc_id: str, language: str) -> Chunk:
    return Chunk(f"{doc_id}:p", doc_id, "p", language, "T", ("S",), "t", "t", "g")


def test_pick_prefers_question_language_and_keeps_original():
    sv, en = _chunk("g", "sv"), _chunk("g.en", "en")
    assert pick([sv, en], "en") == (en, sv)
    assert pick([sv, en], "sv") == (sv, None)
    assert pick([en], "sv") == (en, None)
