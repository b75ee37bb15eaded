"""The systems under evaluation: our pipeline, and the naive recipe a user would otherwise
copy from a tutorial (RecursiveCharacterTextSplitter 1000/200, dense top-4, the retrieved
chunks as the answer). Both return the same `Outcome` so every scorer applies to both."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from typing import Protocol

import chromadb
from langchain_chroma import Chroma
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.core.text import split_sentences
from assistant.core.types import Answer, Citation, Document, Hit
from assistant.pipeline.answer import citation
from assistant.pipeline.generate import numbered
from assistant.pipeline.service import Assistant, clean_question, resolve_language
from assistant.storage.index import SearchIndex
from evals.cases import Case

K_MAX = 10  # ranks kept for recall@k
MIN_SENTENCE = 40  # characters; a shorter sentence is too generic to place a block


@dataclass(frozen=True)
class Outcome:
    """What a system did with one case."""

    ranked: tuple[frozenset[str], ...]  # block ids each rank brings
    hidden: tuple[frozenset[str], ...] | None  # the same with the question-language
    # version hidden, for a cross-lingual case: can the other language's text be found?
    answer: Answer
    retrieved_texts: tuple[str, ...]  # the passages the answer could draw on
    retrieve_ms: float
    answer_ms: float
    draft: Answer | None = None  # a generated answer before the verification gate


class System(Protocol):
    """Anything that can answer an evaluation case."""

    name: str

    def run(self, case: Case) -> Outcome: ...


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _draft(answer: Answer, hits: list[Hit]) -> Answer | None:
    """The model's draft as an answer citing the passages as the prompt numbered them."""
    if not answer.draft:
        return None
    cites = tuple(citation(n, h) for n, h in enumerate(numbered(hits), start=1))
    return replace(answer, text=answer.draft, citations=cites)


def _ranks(hits: list[Hit], index: SearchIndex) -> tuple[frozenset[str], ...]:
    return tuple(_blocks(h, index) for h in hits)


def _blocks(hit: Hit, index: SearchIndex) -> frozenset[str]:
    """What a hit puts in front of the reader: its passage, a list's items, a bullet's
    lead-in sentence."""
    lead = index.lead_of(hit.chunk)
    shown = [h.chunk.block_id for h in (hit, *hit.items)]
    return frozenset(shown + ([lead.block_id] if lead else []))


@dataclass
class Pipeline:
    """Our pipeline: hybrid retrieval, the configured answer backend, citation checks."""

    assistant: Assistant
    name: str = "ours"

    def run(self, case: Case) -> Outcome:
        """Retrieve and answer as the app would (and, for a cross-lingual case, retrieve
        again over the source language's text alone)."""
        started = time.perf_counter()
        text = clean_question(case.question)
        language, notice = resolve_language(text, "auto", self.assistant.tuning.reading)
        retriever = self.assistant.retriever
        query = retriever.parse(text, language)
        shown = retriever.candidates(query)  # as the app: the passages the decision judges
        retrieve_ms = _ms(started)
        started = time.perf_counter()
        answer = self.assistant.answer(query, language, shown, notice)
        answer_ms = _ms(started)
        ranked = retriever.hits(query, k=K_MAX)
        hidden = None
        if case.source != case.language:
            hidden = retriever.hits(query, k=K_MAX, source=case.source)
        index = retriever.index
        texts = tuple(index.chunks[i].source_text for i in answer.retrieved)
        return Outcome(_ranks(ranked, index), None if hidden is None else _ranks(hidden, index),
                       answer, texts, retrieve_ms, answer_ms,
                       _draft(answer, shown))


def covered_blocks(chunk: str, document: Document) -> frozenset[str]:
    """The blocks of a document that a character chunk holds: the whole block, or one of
    its sentences that is long enough to be specific."""
    found = set()
    for block in document.blocks:
        parts = [s for s in split_sentences(block.text) if len(s) >= MIN_SENTENCE]
        if block.text in chunk or any(s in chunk for s in parts):
            found.add(block.block_id)
    return frozenset(found)


class NaiveRAG:
    """The tutorial recipe, on the same documents and embedder as ours."""

    name = "baseline"

    def __init__(self, documents: list[Document], embeddings: Embeddings, k: int = 4) -> None:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        splits = splitter.create_documents(
            [d.text for d in documents],
            metadatas=[{"doc_id": d.doc_id, "language": d.language, "title": d.title}
                       for d in documents])
        client = chromadb.EphemeralClient(chromadb.Settings(anonymized_telemetry=False))
        self.store = Chroma(collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
                            embedding_function=embeddings, client=client)
        ids = [f"baseline:{i}" for i in range(len(splits))]
        self.store.add_documents(splits, ids=ids)
        by_id = {d.doc_id: d for d in documents}
        self.blocks = {i: covered_blocks(s.page_content, by_id[s.metadata["doc_id"]])
                       for i, s in zip(ids, splits, strict=True)}
        self.k = k

    def run(self, case: Case) -> Outcome:
        """Dense top-k; the answer is the top-4 chunks."""
        started = time.perf_counter()
        found = self.store.similarity_search(case.question, k=K_MAX)
        shown = found[: self.k]
        retrieve_ms = _ms(started)
        hidden = None
        if case.source != case.language:
            hidden = self.store.similarity_search(case.question, k=K_MAX,
                                                  filter={"language": case.source})
        started = time.perf_counter()
        citations = tuple(
            Citation(n=n, doc_id=d.metadata["doc_id"], title=d.metadata["title"], section="",
                     quote=d.page_content, chunk_id=str(d.id))
            for n, d in enumerate(shown, start=1))
        text = "\n".join(f"{' '.join(c.quote.split())} [{c.n}]" for c in citations)
        answer = Answer(question=case.question, language=case.language, text=text,
                        citations=citations, abstained=False, backend=self.name,
                        retrieved=tuple(str(d.id) for d in shown))
        return Outcome(self._ranks(found), None if hidden is None else self._ranks(hidden), answer,
                       tuple(c.quote for c in citations), retrieve_ms, _ms(started))

    def _ranks(self, found: list[LCDocument]) -> tuple[frozenset[str], ...]:
        return tuple(self.blocks[str(d.id)] for d in found)
