"""Hybrid retrieval: BM25 per language plus dense search, fused by reciprocal rank.

Each retriever returns `(chunk_id, score)` pairs; fusion and the collapse of a passage
with its translations are pure functions over those lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index import SearchIndex
from assistant.text import terms
from assistant.types import Chunk, Hit

Ranking = list[tuple[str, float]]
RRF_K = 60


def rrf(rankings: Iterable[list[str]], k: int = RRF_K) -> Ranking:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over every list an id appears in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def collapse(ranking: Ranking, key_of: dict[str, str]) -> list[str]:
    """Map a chunk ranking to passage keys, keeping each key's best rank."""
    seen: dict[str, None] = {}
    for chunk_id, _ in ranking:
        seen.setdefault(key_of[chunk_id], None)
    return list(seen)


def bm25_search(index: SearchIndex, query: str, language: str, k: int) -> Ranking:
    """BM25 over one language's chunks, the query stemmed in that language."""
    retriever = index.bm25.get(language)
    tokens = terms(query, language)
    ids = index.manifest.languages.get(language, [])
    if retriever is None or not tokens or not ids:
        return []
    docs, scores = retriever.retrieve([tokens], k=min(k, len(ids)), show_progress=False)
    return [(ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def dense_search(index: SearchIndex, query: str, k: int) -> Ranking:
    """Nearest chunks by cosine similarity of their embeddings."""
    found = index.store.similarity_search_with_score(query, k=min(k, len(index.chunks)))
    return [(doc.id, 1.0 - float(distance)) for doc, distance in found if doc.id]


def pick(group: list[Chunk], language: str) -> tuple[Chunk, Chunk | None]:
    """The chunk to show for a question language, and its original if it is a translation."""
    original = next((c for c in group if c.doc_id == c.family), group[0])
    chosen = next((c for c in group if c.language == language), original)
    return chosen, (original if chosen is not original else None)


class HybridRetriever(BaseRetriever):
    """BM25 in the question's language (Snowball-stemmed) + dense search, fused with RRF.

    Translations share a passage key, so an English question finds a Swedish passage
    through its aligned English text, and the hit is shown in the question's language.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 5
    language: str = "sv"
    depth: int = 30

    def hits(self, query: str, language: str | None = None, k: int | None = None) -> list[Hit]:
        """The top passages for a query, each in the wanted language."""
        language = language or self.language
        depth = max(self.depth, 4 * (k or self.k))
        dense = dense_search(self.index, query, depth)
        lexical = bm25_search(self.index, query, language, depth)
        lists = [collapse(r, self.index.key_of) for r in (lexical, dense) if r]
        cosine = dict(dense)
        hits = []
        for rank, (key, score) in enumerate(rrf(lists)[: k or self.k], start=1):
            group = self.index.groups[key]
            best = max(cosine.get(c.chunk_id, 0.0) for c in group)
            chosen, original = pick(group, language)
            hit = Hit(chosen, score, rank, best, original)
            hits.append(replace(hit, items=self._items(hit, language)))
        return hits

    def _items(self, hit: Hit, language: str) -> tuple[Hit, ...]:
        items = []
        for bullet in self.index.list_items(hit.chunk):
            chosen, original = pick(self.index.groups[bullet.passage_key], language)
            items.append(Hit(chosen, hit.score, hit.rank, hit.dense, original))
        return tuple(items)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [
            LCDocument(
                page_content=hit.chunk.text,
                id=hit.chunk.chunk_id,
                metadata={"doc_id": hit.chunk.doc_id, "section": hit.chunk.section,
                          "score": hit.score, "rank": hit.rank},
            )
            for hit in self.hits(query)
        ]
