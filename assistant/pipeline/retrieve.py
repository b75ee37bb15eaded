"""Hybrid retrieval: the lists of `assistant.search` (BM25 per language, dense search over
the passages and the question bank, the term-list bridge) fused by reciprocal rank, then
reordered by authority and by the kind of answer a question asks for. A LangChain retriever."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.core.tuning import Tuning
from assistant.core.types import Chunk, Hit, Language, Naming
from assistant.pipeline import facts
from assistant.pipeline.definitions import asks_definition, defines
from assistant.pipeline.glossary import cognates, in_english, unnamed
from assistant.pipeline.query import Query, parse
from assistant.pipeline.search import (
    Found,
    Ranking,
    bm25_search,
    collapse,
    dense_search,
    embed_query,
    parallel,
    pick,
    reweighted,
    rrf,
    top_keys,
)
from assistant.storage.index import SearchIndex
from assistant.storage.manifest import REFERENCES


class HybridRetriever(BaseRetriever):
    """BM25 in the question's language (Snowball-stemmed) + dense search, fused with RRF.

    Translations share a passage key, so an English question finds a Swedish passage
    through its aligned English text, and the hit is shown in the question's language.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    tuning: Tuning
    k: int = 5
    language: str = "sv"

    def parse(self, query: str | Query, language: str | None = None) -> Query:
        """The question parsed once (a `Query` passes through as it is)."""
        if isinstance(query, Query):
            return query
        return parse(query, self.tuning.reading, language or self.language,
                     known=self.index.all_words, naming=self.index.naming)

    def hits(self, query: str | Query, language: str | None = None, k: int | None = None,
             source: str | None = None, exclude: Collection[str] = ()) -> list[Hit]:
        """The top passages for a query, each in the wanted language.

        `source` restricts the search to documents in one language (the evaluation uses it
        to measure cross-lingual retrieval: an English question over Swedish text alone).
        `exclude`: bank questions left out (training scores a bank question without finding
        itself).
        """
        parsed = self.parse(query, language)
        language = parsed.language
        fusion = self.tuning.fusion
        depth = max(fusion.depth, fusion.depth_per_k * (k or self.k))
        found = self._fused(parsed.search, language, source, depth, parsed.naming, exclude)
        ranked = self._by_kind(found.ranking, parsed, language)
        fused = self._spread(self._by_authority(ranked, parsed.naming.documents))[: k or self.k]
        hits = []
        for rank, (key, score) in enumerate(fused + self._later(ranked, fused), start=1):
            group = self.index.groups[key]
            best = max(found.cosine.get(c.chunk_id, 0.0) for c in group)
            chosen, original = pick(group, language, source)
            # A passage with no bank questions (a new document) is its own question.
            hit = Hit(chosen, score, rank, best, original, bank=found.bank.get(key, best),
                      parallel=parallel(group, chosen, parsed.wording))
            hits.append(replace(hit, items=self._items(hit, language, source, parsed.wording)))
        return hits

    def candidates(self, query: str | Query, language: str | None = None,
                   k: int | None = None) -> list[Hit]:
        """The passages the decision judges: the top `selection.pool` (at least `k`), and the
        supplement's later facts."""
        return self.hits(query, language, max(k or self.k, self.tuning.selection.pool))

    def _fused(self, query: str, language: str, source: str | None, depth: int,
               naming: Naming, exclude: Collection[str] = ()) -> Found:
        """One query's passages, BM25 and dense lists of the passages and of their bank
        questions fused by RRF, with their cosines."""
        named, fusion = naming.documents, self.tuning.fusion
        vector = embed_query(self.index, query)  # once, for every dense search
        dense = dense_search(self.index, vector, depth, fusion, source)
        same = source in (None, language)
        lexical = bm25_search(self.index, query, language, depth) if same else []
        references = bm25_search(self.index, query, language, depth, REFERENCES) if same else []
        bridged = self._bridged(unnamed(query, naming.spans), language, source, depth)
        within = (dense_search(self.index, vector, depth, fusion, source, named) if named
                  else Found([], {}))
        bridged_within = [(c, v) for c, v in bridged if self.index.chunks[c].doc_id in named]
        rankings = (lexical, references, bridged, dense.ranking, within.ranking, bridged_within)
        lists = [collapse(r, self.index.key_of) for r in rankings]
        bank = self.index.bank.dense(vector, exclude)
        asked = [key for key, _ in self.index.bank.lexical(query, language, depth,
                                                           fusion.bank_fanout, exclude)]
        lists += [top_keys(bank, depth), asked]
        weights = [fusion.lexical_weight, fusion.lexical_weight, fusion.bridge_weight, 1.0,
                   fusion.named_weight, fusion.named_bridge_weight, fusion.bank_weight,
                   fusion.bank_lexical_weight]
        return Found(rrf(lists, fusion.rrf_k, weights), within.cosine | dense.cosine, bank)

    def _by_authority(self, ranking: Ranking, named: Sequence[str]) -> Ranking:
        """Authority order: a referenced instrument or the supplement the question does not
        name keeps only a share of its score (`_authority`), so the guideline's own passages
        lead; a preamble's recital keeps `preamble_weight` of it."""
        tuned = self.tuning.ranking

        def weight(key: str) -> float:
            chunk = self.index.groups[key][0]
            recital = chunk.label.endswith(", Preamble")
            return self._authority(chunk, named) * (tuned.preamble_weight if recital else 1.0)

        return reweighted(ranking, weight)

    def _authority(self, chunk: Chunk, named: Sequence[str]) -> float:
        """The share of its score a passage keeps: the guideline's, or a document the question
        names, all of it; the supplement's `supplement_weight`; an instrument's
        `background_weight`."""
        tuned = self.tuning.ranking
        if chunk.is_guideline or chunk.doc_id in named:
            return 1.0
        if self.index.is_supplement(chunk):
            return tuned.supplement_weight
        return tuned.background_weight

    def _by_kind(self, ranking: Ranking, parsed: Query, language: str) -> Ranking:
        """What kind of answer the question wants: a passage defining the term it asks
        about counts `definition_weight` times, one stating a fact of the kind it asks for
        (a number for "how many", a cost, a date) `evidence_weight` times."""
        query = parsed.search
        asked = parsed.asks
        defining = asks_definition(query)
        if not asked and not defining:
            return ranking
        tuned, limits = self.tuning.ranking, self.tuning.terms

        def weight(key: str) -> float:
            chunk = self.index.groups[key][0]
            found = defining and defines(query, language, chunk.text, chunk.language, limits)
            stated = asked & facts.evidence(chunk.source_text)
            return ((tuned.definition_weight if found else 1.0)
                    * (tuned.evidence_weight if stated else 1.0))

        return reweighted(ranking, weight)

    def _bridged(self, query: str, language: str, source: str | None, depth: int) -> Ranking:
        """A Swedish question's BM25 search of the English instruments, through the term
        list (none for an English question, or one restricted to Swedish text)."""
        if language != "sv" or source not in (None, "en"):
            return []
        limits = self.tuning.terms
        english = (f"{in_english(query, limits)} "
                   f"{cognates(query, self.index.instrument_words, limits)}").strip()
        return bm25_search(self.index, english, "en", depth, REFERENCES) if english else []

    def _later(self, ranked: Ranking, top: Ranking) -> Ranking:
        """The supplement's passages that would be among the top ones without the authority
        weighting, after them (at most `later_extra`): its later facts are offered to the
        answer without displacing the guideline's passages."""
        shown = {key for key, _ in top}
        return [(key, score) for key, score in ranked[: len(top)]
                if key not in shown and self.index.is_supplement(self.index.groups[key][0])
                ][: self.tuning.ranking.later_extra]

    def _spread(self, ranking: Ranking) -> Ranking:
        """Let at most `per_list` bullets of one list lead. When a third bullet of the same
        list ranks, its lead-in takes that place instead (it brings the whole list), and
        the bullets beyond follow the other passages."""
        per_list = self.tuning.ranking.per_list
        counts: dict[str, int] = {}
        first: dict[str, float] = {}
        later: Ranking = []
        for key, score in ranking:
            lead = self.index.lead_of(self.index.groups[key][0])
            group = lead.passage_key if lead else key
            counts[group] = counts.get(group, 0) + 1
            if counts[group] <= per_list:
                first.setdefault(key, score)
            elif counts[group] == per_list + 1:
                first.setdefault(group, score)
                later.append((key, score))
            else:
                later.append((key, score))
        return list(first.items()) + [(k, s) for k, s in later if k not in first]

    def _items(self, hit: Hit, language: str, source: str | None,
               wording: Language | None = None) -> tuple[Hit, ...]:
        items = []
        for bullet in self.index.list_items(hit.chunk):
            group = self.index.groups[bullet.passage_key]
            chosen, original = pick(group, language, source)
            items.append(Hit(chosen, hit.score, hit.rank, hit.dense, original,
                             parallel=parallel(group, chosen, wording)))
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
