"""The ranked lists a question is searched with: BM25 per language, dense search over passages and
their sentences, and reciprocal-rank fusion. Each returns `(chunk_id, score)` pairs; fusion and
the collapse of a passage with its translations are pure functions over those lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.core.text import terms
from assistant.core.tuning import Fusion
from assistant.core.types import Chunk
from assistant.storage.index import SENTENCE_MARK, SearchIndex

Ranking = list[tuple[str, float]]


def ordered(scored: Iterable[tuple[str, float]]) -> Ranking:
    """Highest score first; ties by id, so that a ranking is repeatable."""
    return sorted(scored, key=lambda kv: (-kv[1], kv[0]))


def reweighted(ranking: Ranking, weight: Callable[[str], float]) -> Ranking:
    """A ranking with each score multiplied by its key's weight, ordered again."""
    return ordered((key, score * weight(key)) for key, score in ranking)


def rrf(rankings: Iterable[list[str]], k: int, weights: Iterable[float] | None = None
        ) -> Ranking:
    """Reciprocal-rank fusion: sum of weight / (k + rank) over every list an id appears in."""
    scores: dict[str, float] = {}
    rankings = list(rankings)
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return ordered(scores.items())


def collapse(ranking: Ranking, key_of: dict[str, str]) -> list[str]:
    """Map a chunk ranking to passage keys, keeping each key's best rank."""
    seen: dict[str, None] = {}
    for chunk_id, _ in ranking:
        seen.setdefault(key_of[chunk_id], None)
    return list(seen)


def bm25_search(index: SearchIndex, query: str, language: str, k: int, pool: str = "") -> Ranking:
    """BM25 over one language's chunks, the query stemmed in that language: the guideline's
    (pool "") or the referenced instruments' (pool REFERENCES), each with its own term
    statistics, so adding instruments does not change how the guideline's passages rank."""
    name = language + pool
    retriever = index.bm25.get(name)
    tokens = terms(query, language)
    ids = index.manifest.languages.get(name, [])
    if retriever is None or not tokens or not ids:
        return []
    docs, scores = retriever.retrieve([tokens], k=min(k, len(ids)), show_progress=False)
    return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


@dataclass(frozen=True)
class Found:
    """Search results: the ranking (by cosine, or fused), each passage's cosine to the query
    (its own, else its best sentence's), and each passage key's best bank-question cosine."""

    ranking: Ranking
    cosine: dict[str, float]
    bank: dict[str, float] = field(default_factory=dict)


def _where(source: str | None, documents: Sequence[str]) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if source:
        clauses.append({"language": source})
    if documents:
        clauses.append({"doc_id": {"$in": list(documents)}})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None


def embed_query(index: SearchIndex, query: str) -> list[float]:
    """The query's vector, from the embedder that built the index."""
    embeddings = index.store.embeddings
    if embeddings is None:
        raise ValueError("the vector store has no embedder")
    return embeddings.embed_query(query)


def dense_search(index: SearchIndex, query: str | list[float], k: int, limits: Fusion,
                 source: str | None = None, documents: Sequence[str] = ()) -> Found:
    """Nearest passages by embedding: each scored by a weighted mean of its own cosine and
    its best sentence's (only passages in the `source` language, or of the given
    `documents`, when those are given)."""
    where = _where(source, documents)
    wanted = min(index.vector_count, max(limits.sentence_fanout * k, limits.min_vectors))
    vector = query if isinstance(query, list) else embed_query(index, query)
    whole: dict[str, float] = {}
    best: dict[str, float] = {}
    for vector_id, similarity in index.nearest(vector, wanted, where):
        parent, sentence, _ = vector_id.partition(SENTENCE_MARK)
        if sentence:
            best[parent] = max(best.get(parent, -1.0), similarity)
        else:
            whole[parent] = similarity
    share = limits.sentence_weight
    scores = {cid: (1 - share) * whole.get(cid, s) + share * best.get(cid, whole.get(cid, s))
              for cid, s in (best | whole).items()}
    ranking = ordered(scores.items())[:k]
    return Found(ranking, best | whole)  # a passage's own cosine, else its best sentence's


def top_keys(scores: dict[str, float], k: int) -> list[str]:
    """The k keys with the highest scores."""
    return [key for key, _ in ordered(scores.items())[:k]]


def pick(group: list[Chunk], language: str,
         source: str | None = None) -> tuple[Chunk, Chunk | None]:
    """The chunk to show for a question language, and its original if it is a translation;
    only chunks in the `source` language when it is given."""
    group = [c for c in group if source is None or c.language == source] or group
    original = next((c for c in group if c.is_original), group[0])
    chosen = next((c for c in group if c.language == language), original)
    return chosen, (original if chosen is not original else None)


def parallel(group: list[Chunk], shown: Chunk, language: str | None) -> Chunk | None:
    """The passage in the language whose wording a question asks for ("på engelska"), when
    that is not the text shown (None when it asks for none, or the passage has no such text)."""
    if language is None or shown.language == language:
        return None
    return next((c for c in group if c.language == language), None)
