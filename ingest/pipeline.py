"""Build the index from a corpus folder: load, chunk, embed, write, swap in atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bm25s
from langchain_core.embeddings import Embeddings

from assistant.errors import AssistantError
from assistant.index import SCHEMA, Manifest, current_build, save_chunks, vector_store
from assistant.text import terms
from assistant.types import Chunk, Document
from ingest.chunking import chunk_corpus
from ingest.loaders import load_corpus

Progress = Callable[[int, int], None]
BATCH = 16
KEEP_BUILDS = 2


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    changed: bool
    chunk_count: int
    documents: tuple[str, ...]
    build: Path
    seconds: float


def document_hash(document: Document, chunks: list[Chunk]) -> str:
    """A hash of a document's chunks (ids already hash the content)."""
    ids = "\n".join(c.chunk_id for c in chunks if c.doc_id == document.doc_id)
    return hashlib.sha256(ids.encode("utf-8")).hexdigest()[:16]


def plan_manifest(documents: list[Document], chunks: list[Chunk], embedder: str) -> Manifest:
    """The manifest an index of these chunks would have."""
    doc_hashes = {d.doc_id: document_hash(d, chunks) for d in documents}
    languages: dict[str, list[str]] = {}
    for chunk in chunks:
        languages.setdefault(chunk.language, []).append(chunk.chunk_id)
    corpus = hashlib.sha256("\n".join(sorted(doc_hashes.values())).encode()).hexdigest()[:16]
    return Manifest(embedder, corpus, len(chunks), doc_hashes, languages, SCHEMA)


def write_bm25(folder: Path, chunks: dict[str, Chunk], manifest: Manifest) -> None:
    """One BM25 index per language, stemmed in that language, rows in manifest order."""
    for lang, ids in manifest.languages.items():
        retriever = bm25s.BM25()
        retriever.index([terms(chunks[i].indexed_text, lang) for i in ids], show_progress=False)
        retriever.save(str(folder / f"bm25-{lang}"))


def write_vectors(
    folder: Path, chunks: list[Chunk], embeddings: Embeddings, progress: Progress | None
) -> None:
    """Embed the chunks in batches into the build's Chroma collection."""
    store = vector_store(folder, embeddings)
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start : start + BATCH]
        store.add_texts(
            texts=[c.indexed_text for c in batch],
            metadatas=[{"doc_id": c.doc_id, "language": c.language} for c in batch],
            ids=[c.chunk_id for c in batch],
        )
        if progress:
            progress(min(start + BATCH, len(chunks)), len(chunks))


def swap_current(index_dir: Path, build: Path) -> None:
    """Point `current` at a finished build in one atomic rename."""
    link = index_dir / f"current.{uuid.uuid4().hex}"
    link.symlink_to(build.relative_to(index_dir))
    os.replace(link, index_dir / "current")


def prune_builds(index_dir: Path, keep: Path) -> None:
    """Delete unfinished builds and all but the newest finished ones."""
    builds = index_dir / "builds"
    for stale in builds.glob("tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    finished = sorted(builds.glob("b-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in finished if p != keep][KEEP_BUILDS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def build(index_dir: Path, chunks: list[Chunk], manifest: Manifest, embeddings: Embeddings,
          progress: Progress | None = None) -> Path:
    """Write a complete build beside the current one, then swap it in."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    tmp = builds / f"tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    save_chunks(tmp, chunks)
    write_bm25(tmp, {c.chunk_id: c for c in chunks}, manifest)
    write_vectors(tmp, chunks, embeddings, progress)
    manifest.save(tmp)
    final = builds / f"b-{time.strftime('%Y%m%d-%H%M%S')}-{tmp.name[4:]}"
    tmp.rename(final)
    swap_current(index_dir, final)
    prune_builds(index_dir, final)
    return final


def _check_embedder(current: Manifest | None, embedder: str, rebuild: bool) -> None:
    if current and current.embedder != embedder and not rebuild:
        raise AssistantError(
            f"The index was built with embedder {current.embedder!r}; ingesting with "
            f"{embedder!r} would mix embedders. Run `assistant ingest --rebuild` to replace "
            f"it, or set ASSISTANT_EMBEDDER={current.embedder}."
        )


def ingest(corpus_dir: Path, index_dir: Path, *, embedder: str,
           embeddings: Callable[[], Embeddings], rebuild: bool = False,
           progress: Progress | None = None) -> IngestReport:
    """Ingest a corpus folder; does nothing when the index is already up to date."""
    started = time.perf_counter()
    documents = load_corpus(corpus_dir)
    chunks = chunk_corpus(documents)
    manifest = plan_manifest(documents, chunks, embedder)
    folder = current_build(index_dir)
    current = Manifest.load(folder) if folder else None
    _check_embedder(current, embedder, rebuild)
    doc_ids = tuple(d.doc_id for d in documents)
    if folder and current == manifest and not rebuild:
        return IngestReport(False, len(chunks), doc_ids, folder, time.perf_counter() - started)
    final = build(index_dir, chunks, manifest, embeddings(), progress)
    return IngestReport(True, len(chunks), doc_ids, final, time.perf_counter() - started)
