"""Write an index build (chunk store, BM25 per language, Chroma vectors) beside the current
one, then swap it in with one atomic rename.

Incremental: chunk ids hash their content, so a vector whose id the previous build holds is
copied from it, and only new or changed passages are embedded. Passages of removed or
changed documents are simply not carried over, so a build never holds stale vectors or
duplicates; the previous build keeps serving until the swap."""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple, TypeVar

import bm25s
import numpy as np
from chromadb.api.models.Collection import Collection
from langchain_core.embeddings import Embeddings

from assistant.core.text import terms
from assistant.core.types import BankQuestion, Chunk
from assistant.features.obligations import save_register
from assistant.storage.bank import load_questions, save_questions
from assistant.storage.embeddings import embed_queries
from assistant.storage.index import SENTENCE_MARK, SPACE, save_chunks
from assistant.storage.manifest import Manifest
from assistant.storage.store import StoreConfig, build_key
from ingest.obligations import obligations

log = logging.getLogger("assistant.ingest")
Progress = Callable[[int, int], None]
Entry = tuple[str, str, dict[str, str]]
T = TypeVar("T")
BATCH = 16
BANK_BATCH = 32  # bank questions embedded between progress updates
COPY_BATCH = 1000
KEEP_BUILDS = 2


class Counts(NamedTuple):
    """How many vectors a build embedded, and how many it copied from the previous one."""

    embedded: int
    copied: int


def write_bm25(folder: Path, chunks: dict[str, Chunk], manifest: Manifest) -> None:
    """One BM25 index per language, stemmed in that language, rows in manifest order."""
    for pool, ids in manifest.languages.items():
        lang = pool.split("-")[0]
        retriever = bm25s.BM25()
        retriever.index([terms(chunks[i].indexed_text, lang) for i in ids], show_progress=False)
        retriever.save(str(folder / f"bm25-{pool}"))


def vector_entries(chunks: list[Chunk]) -> list[Entry]:
    """(id, text, metadata) of every vector: each passage whole, and each of its sentences
    with the passage as `parent`."""
    entries = []
    for c in chunks:
        meta = {"doc_id": c.doc_id, "language": c.language}
        entries.append((c.chunk_id, c.indexed_text, meta))
        entries += [(f"{c.chunk_id}{SENTENCE_MARK}{i}", text, meta | {"parent": c.chunk_id})
                    for i, text in enumerate(c.sentences)]
    return entries


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def copy_vectors(old: Collection, new: Collection, ids: list[str]) -> set[str]:
    """Copy the vectors the previous build already has (ids hash the content, so an id
    that exists there holds the same text); returns the ids copied."""
    copied: set[str] = set()
    for batch in _batches(ids, COPY_BATCH):
        got = old.get(ids=batch, include=["embeddings", "documents", "metadatas"])  # type: ignore[list-item]
        if got["ids"]:
            new.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                    metadatas=got["metadatas"])
            copied.update(got["ids"])
    return copied


def embed_vectors(collection: Collection, entries: list[Entry], embeddings: Embeddings,
                  progress: Progress | None) -> None:
    """Embed entries in batches into the collection, reporting progress."""
    done = 0
    for batch in _batches(entries, BATCH):
        ids, texts, metas = (list(x) for x in zip(*batch, strict=True))
        vectors = embeddings.embed_documents(texts)
        collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)  # type: ignore[arg-type]
        done += len(batch)
        if progress:
            progress(done, len(entries))


def write_vectors(collection: Collection, chunks: list[Chunk], embeddings: Embeddings,
                  previous: Collection | None, progress: Progress | None) -> Counts:
    """Fill the build's collection: vectors the previous build holds are copied, the rest
    embedded. Returns (embedded, copied)."""
    entries = vector_entries(chunks)
    copied = copy_vectors(previous, collection, [e[0] for e in entries]) if previous else set()
    todo = [e for e in entries if e[0] not in copied]
    embed_vectors(collection, todo, embeddings, progress)
    return Counts(len(todo), len(copied))


def _previous_bank(previous: tuple[Path, Manifest] | None) -> dict[str, np.ndarray]:
    """The previous build's bank vectors by question id ({} when there are none)."""
    if previous is None:
        return {}
    try:
        old = load_questions(previous[0])
        vectors = np.load(previous[0] / "bank-vectors.npy") if old else np.zeros((0, 1))
    except (OSError, ValueError):
        log.warning("previous build's question bank unreadable; embedding every question")
        return {}
    return {q.qid: v for q, v in zip(old, vectors, strict=False)}


def write_bank(folder: Path, questions: tuple[BankQuestion, ...], embeddings: Embeddings,
               reused: dict[str, np.ndarray], progress: Progress | None) -> Counts:
    """Write the build's question bank: vectors of unchanged questions are reused, the rest
    embedded (as queries: a bank question is matched against questions)."""
    todo = [q for q in questions if q.qid not in reused]
    fresh: dict[str, np.ndarray] = {}
    for batch in _batches(todo, BANK_BATCH):
        vectors = embed_queries(embeddings, [q.text for q in batch])
        fresh |= {q.qid: np.asarray(v) for q, v in zip(batch, vectors, strict=True)}
        if progress:
            progress(len(fresh), len(todo))
    rows = [reused[q.qid] if q.qid in reused else fresh[q.qid] for q in questions]
    matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
    save_questions(folder, questions, matrix)
    return Counts(len(todo), len(questions) - len(todo))


def _then(progress: Progress | None, before: int) -> Progress | None:
    """Progress that continues a count already at `before`."""
    return None if progress is None else (lambda d, t: progress(before + d, before + t))


def swap_current(index_dir: Path, build: Path) -> None:
    """Point `current` at a finished build in one atomic rename."""
    link = index_dir / f"current.{uuid.uuid4().hex}"
    link.symlink_to(build.relative_to(index_dir))
    os.replace(link, index_dir / "current")


def _drop_collection(folder: Path, store: StoreConfig) -> None:
    """Delete a server-side collection of a build that is being removed."""
    if not store.host:
        return  # embedded vectors live in the build folder itself
    try:
        store.client(folder).delete_collection(store.collection(build_key(folder)))
    except Exception:  # noqa: BLE001 - already gone, or the server is down: nothing to undo
        log.debug("no collection to delete for %s", folder.name)


def prune_builds(index_dir: Path, keep: Path, store: StoreConfig) -> None:
    """Delete unfinished builds and all but the newest finished ones."""
    builds = index_dir / "builds"
    finished = sorted(builds.glob("b-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    stale = list(builds.glob("tmp-*")) + [p for p in finished if p != keep][KEEP_BUILDS - 1 :]
    for old in stale:
        _drop_collection(old, store)
        shutil.rmtree(old, ignore_errors=True)


def _previous_collection(previous: tuple[Path, Manifest] | None,
                         store: StoreConfig) -> Collection | None:
    if previous is None:
        return None
    folder, manifest = previous
    try:
        return store.client(folder).get_collection(manifest.collection)
    except Exception:  # noqa: BLE001 - an unreadable previous build: embed everything
        log.warning("previous build %s unreadable; embedding every passage", folder.name)
        return None


def build(index_dir: Path, chunks: list[Chunk], manifest: Manifest, embeddings: Embeddings,
          progress: Progress | None = None, store: StoreConfig | None = None,
          previous: tuple[Path, Manifest] | None = None,
          questions: tuple[BankQuestion, ...] = ()) -> tuple[Path, Counts]:
    """Write a complete build beside the current one, reusing the vectors of `previous`
    (a build made with the same embedder in the same store), then swap it in."""
    store = store or StoreConfig()
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    tmp = builds / f"tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    manifest = replace(manifest, collection=store.collection(build_key(tmp)))
    save_chunks(tmp, chunks)
    save_register(tmp, obligations(chunks))
    write_bm25(tmp, {c.chunk_id: c for c in chunks}, manifest)
    collection = store.client(tmp).create_collection(manifest.collection, metadata=SPACE)
    old = _previous_collection(previous, store)
    counts = write_vectors(collection, chunks, embeddings, old, progress)
    asked = write_bank(tmp, questions, embeddings, _previous_bank(previous),
                       _then(progress, counts.embedded))
    counts = Counts(counts.embedded + asked.embedded, counts.copied + asked.copied)
    manifest.save(tmp)
    final = builds / f"b-{time.strftime('%Y%m%d-%H%M%S')}-{tmp.name[4:]}"
    tmp.rename(final)
    swap_current(index_dir, final)
    prune_builds(index_dir, final, store)
    return final, counts
