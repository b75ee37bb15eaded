"""The on-disk index: one immutable build per ingest, swapped in atomically.

Layout under the index folder::

    current -> builds/<build id>     (a symlink, replaced atomically)
    builds/<build id>/manifest.json  (embedder, corpus hash, per-document hashes)
    builds/<build id>/chunks.jsonl   (the chunk store: id -> Chunk)
    builds/<build id>/chroma/        (persistent Chroma collection of embeddings; on a
                                      Chroma server instead, see assistant.store)
    builds/<build id>/bm25-<pool>/   (BM25 per language: `sv`, `en` for the guideline,
                                      `en-ref` for the referenced instruments)
"""

from __future__ import annotations

import json
import re
import shutil
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

import bm25s
from chromadb import Collection
from chromadb.api import ClientAPI
from chromadb.api.types import Where
from chromadb.errors import NotFoundError
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from assistant.core.errors import AssistantError, IndexUnavailable
from assistant.core.text import terms, words
from assistant.core.types import SUPPLEMENT, Chunk, Naming
from assistant.storage.bank import Bank
from assistant.storage.evidence import Evidence
from assistant.storage.manifest import (
    KIND_WORDS,
    REFERENCES,
    SCHEMA,
    Manifest,
    current_build,
    of_kind,
)
from assistant.storage.store import StoreConfig

CHUNKS = "chunks.jsonl"
SENTENCE_MARK = "~"  # a sentence vector's id is "<passage id>~<n>"
SPACE = {"hnsw:space": "cosine"}


def vector_store(client: ClientAPI, manifest: Manifest, embeddings: Embeddings) -> Chroma:
    """The LangChain Chroma store of a build (cosine distance)."""
    return Chroma(
        client=client,
        collection_name=manifest.collection,
        embedding_function=embeddings,
        collection_metadata=SPACE,
        create_collection_if_not_exists=False,
    )


def save_chunks(folder: Path, chunks: list[Chunk]) -> None:
    """Write the chunk store."""
    with (folder / CHUNKS).open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")


def load_chunks(folder: Path) -> dict[str, Chunk]:
    """Read the chunk store into an id -> Chunk map."""
    chunks = {}
    with (folder / CHUNKS).open(encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            raw["heading_path"] = tuple(raw["heading_path"])
            raw["footnotes"] = tuple(raw.get("footnotes", ()))
            chunk = Chunk(**raw)
            chunks[chunk.chunk_id] = chunk
    return chunks


# "Vilken/Vilka (av) … konvention från 2003 …?" asks which one: it does not name it.
ASKING_WHICH = re.compile(
    r"\b(?:vilken|vilket|vilka|which|what)\W+(?:(?:av|of|the|de|unesco\w*)\W+)*$")
# What may stand between an instrument's kind and its year: function words only
# ("konventionen från 2005", "1980 års rekommendation", "the Recommendation, as in 1980").
_NEAR = (r"\W+(?:(?:från|av|i|in|of|the|år|års|year|unesco\w*|like|as|som|liksom|and|och|"
         r"or|eller|\d{4})\W+){0,3}")  # another year: "the 1980 and 2005 texts"


@dataclass
class SearchIndex:
    """An opened build: chunk store, dense store and BM25 indexes."""

    folder: Path
    manifest: Manifest
    chunks: dict[str, Chunk]
    store: Chroma
    bm25: dict[str, bm25s.BM25]
    vectors: Collection  # the same collection, for searches that need ids and distances only
    bank: Bank = field(default_factory=Bank.empty)  # the questions each passage answers

    def nearest(self, vector: list[float], n: int, where: Where | None = None
                ) -> list[tuple[str, float]]:
        """(vector id, cosine similarity) of the `n` nearest vectors, without fetching their
        text or metadata (a quarter of the time of a LangChain similarity search here)."""
        queries: list[Sequence[float]] = [vector]
        found = self.vectors.query(query_embeddings=queries, n_results=n, where=where,
                                   include=["distances"])
        distances = (found["distances"] or [[]])[0]
        return [(vid, 1.0 - float(d)) for vid, d in zip(found["ids"][0], distances, strict=True)]

    @cached_property
    def groups(self) -> dict[str, list[Chunk]]:
        """Chunks grouped by passage key (an original with its translations)."""
        groups: dict[str, list[Chunk]] = {}
        for chunk in self.chunks.values():
            groups.setdefault(chunk.passage_key, []).append(chunk)
        return groups

    @cached_property
    def _lists(self) -> dict[tuple[str, str], list[Chunk]]:
        lists: dict[tuple[str, str], list[Chunk]] = {}
        for chunk in self.chunks.values():
            if chunk.lead_in:
                lists.setdefault((chunk.doc_id, chunk.lead_in), []).append(chunk)
        return lists

    @cached_property
    def _blocks(self) -> dict[tuple[str, str], Chunk]:
        return {(c.doc_id, c.block_id): c for c in self.chunks.values()}

    def list_items(self, chunk: Chunk) -> list[Chunk]:
        """What a passage brings along: the bullets of a lead-in, then its footnotes."""
        notes = [self._blocks[(chunk.doc_id, f)] for f in chunk.footnotes
                 if (chunk.doc_id, f) in self._blocks]
        return self._lists.get((chunk.doc_id, chunk.text), []) + notes

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the guideline (not of the referenced instruments), lower-cased: the
        names a question may bring as context ("När ska Östersund rapportera?")."""
        return frozenset(w for c in self.chunks.values() if c.is_guideline
                         for w in words(c.text))

    @cached_property
    def evidence(self) -> Evidence:
        """The words each passage and its bank questions use (the decision's coverage)."""
        return Evidence.build(self.groups, self.bank.by_passage)

    @cached_property
    def all_words(self) -> frozenset[str]:
        """Every word of every indexed document, lower-cased: a place the corpus names
        (Östersund, Göteborg) stays a name in a question; others are read as their role."""
        return frozenset(w for c in self.chunks.values() for w in words(c.text))

    @cached_property
    def instrument_words(self) -> frozenset[str]:
        """Every word of the referenced instruments' English text, lower-cased (what a
        Swedish question's cognates are looked up in)."""
        ids = self.manifest.languages.get("en" + REFERENCES, [])
        return frozenset(w for i in ids if not self.is_supplement(self.chunks[i])
                         for w in words(self.chunks[i].text))

    @cached_property
    def corpus_terms(self) -> dict[str, frozenset[str]]:
        """The stemmed content words of the corpus, per language."""
        found: dict[str, set[str]] = {}
        for c in self.chunks.values():
            found.setdefault(c.language, set()).update(terms(c.source_text, c.language))
        return {lang: frozenset(stems) for lang, stems in found.items()}

    @cached_property
    def vector_count(self) -> int:
        """How many vectors the dense store holds (passages and their sentences)."""
        return sum(1 + len(c.sentences) for c in self.chunks.values())

    def lead_of(self, chunk: Chunk) -> Chunk | None:
        """The lead-in paragraph that introduces a bullet ("The creative cities shall:")."""
        return self._by_text.get((chunk.doc_id, chunk.lead_in)) if chunk.lead_in else None

    @cached_property
    def _by_text(self) -> dict[tuple[str, str], Chunk]:
        return {(c.doc_id, c.text): c for c in self.chunks.values()}

    @cached_property
    def _aliases(self) -> list[tuple[str, str]]:
        return [(alias.lower(), doc_id) for doc_id, record in self.manifest.documents.items()
                for alias in record.get("aliases", ())]

    def naming(self, question: str) -> Naming:
        """The referenced documents a question names, and the words it names them with: an
        alias ("the 2005 Convention"), or the kind and year in any order ("rekommendationen
        från 1980"), unless the question asks which one it is ("Vilken konvention
        från år X …?")."""
        text = " ".join(question.lower().split())
        found = {(doc_id, alias) for alias, doc_id in self._aliases if alias in text}
        for doc_id, pattern in self._kind_years:
            match = pattern.search(text)
            if match and not ASKING_WHICH.search(text[: match.start()]):
                found.add((doc_id, match.group(0)))
        return Naming(tuple(sorted({d for d, _ in found})), tuple(sorted({s for _, s in found})))

    @cached_property
    def _kind_years(self) -> list[tuple[str, re.Pattern[str]]]:
        found = []
        for doc_id, record in self.manifest.documents.items():
            kind, year = KIND_WORDS.get(record.get("kind", "")), str(record.get("date", ""))[:4]
            if kind and year.isdigit():
                found.append((doc_id, re.compile(
                    rf"\b(?:{kind}){_NEAR}{year}\b|\b{year}{_NEAR}(?:{kind})")))
        return found

    def is_supplement(self, chunk: Chunk) -> bool:
        """Whether a passage is from the supplement of later, dated facts."""
        return chunk.doc_id in self._supplements

    @cached_property
    def _supplements(self) -> frozenset[str]:
        return of_kind(self.manifest.documents, SUPPLEMENT)

    @cached_property
    def key_of(self) -> dict[str, str]:
        """Chunk id -> passage key."""
        return {cid: chunk.passage_key for cid, chunk in self.chunks.items()}


def _check_store(index_dir: Path, manifest: Manifest, store: StoreConfig) -> None:
    if manifest.store != store.location:
        raise IndexUnavailable(
            f"The index at {index_dir} keeps its vectors in {manifest.store}, but the settings "
            f"point at {store.location}; set ASSISTANT_CHROMA_HOST/PORT to match, or run "
            "`assistant ingest --rebuild` to rebuild it there."
        )


def open_index(index_dir: Path, embedder: str, embeddings: Embeddings,
               store: StoreConfig | None = None) -> SearchIndex:
    """Open the current build without writing to it (an embedded Chroma store is read from a
    private copy), refusing one made by a different embedder or kept in another vector
    store, and reading every part once so that a damaged one is named here, not at the
    first question."""
    store = store or StoreConfig()
    folder = current_build(index_dir)
    if folder is None:
        raise IndexUnavailable(f"No index at {index_dir}; run `make run` or `assistant ingest`.")
    try:
        manifest = Manifest.load(folder)
    except AssistantError as err:
        raise IndexUnavailable(str(err)) from err
    if manifest.schema != SCHEMA:
        raise IndexUnavailable(
            f"The index at {index_dir} was built by another version of the assistant; "
            "run `assistant ingest` to rebuild it."
        )
    if manifest.embedder != embedder:
        raise IndexUnavailable(
            f"The index at {index_dir} was built with embedder {manifest.embedder!r}, "
            f"not {embedder!r}; set ASSISTANT_EMBEDDER={manifest.embedder} or run "
            "`assistant ingest --rebuild`."
        )
    _check_store(index_dir, manifest, store)
    copy: Path | None = None
    try:
        chunks = load_chunks(folder)
        bm25 = {lang: bm25s.BM25.load(str(folder / f"bm25-{lang}")) for lang in manifest.languages}
        client, copy = store.reader(folder)
        vectors = vector_store(client, manifest, embeddings)
        collection = client.get_collection(manifest.collection)
        index = SearchIndex(folder, manifest, chunks, vectors, bm25, collection,
                            Bank.open(folder))
        stored, sample = collection.count(), collection.get(limit=1, include=["embeddings"])
        # One search loads the vector index: a damaged one fails here, not at a question.
        found = index.nearest(list(sample["embeddings"][0]), 1)  # type: ignore[index]
        index.naming(""), index.instrument_words, index.groups  # reads the manifest's parts
        if stored != index.vector_count or found[0][0].split(SENTENCE_MARK)[0] not in chunks:
            raise ValueError(f"{stored} vectors for {index.vector_count} passages and sentences")
    except Exception as err:  # any damaged part: one line that names the fix
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
        if isinstance(err, NotFoundError) and store.host:
            raise IndexUnavailable(
                f"The Chroma server at {store.location} has no collection "
                f"{manifest.collection!r} (was it started with another --path?); run "
                "`assistant ingest --rebuild`.") from err
        why = " ".join(str(err).split())[:160] or type(err).__name__
        raise IndexUnavailable(
            f"The index at {folder} is damaged ({why}); run `assistant ingest --rebuild`."
        ) from err
    if copy is not None:
        weakref.finalize(index, shutil.rmtree, copy, True)  # the private copy goes with it
    return index
