"""Ingest a corpus folder: load, chunk, compare with the current build, build when changed.

Chroma, BM25 and the embedder are loaded only when there is something to build, so an
unchanged corpus is recognised quickly (this runs on every `make run`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.manifest import SCHEMA, Manifest, current_build
from assistant.types import Chunk, Document
from ingest.chunking import chunk_corpus
from ingest.loaders import load_corpus

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ingest.build import Progress


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
    from ingest.build import build  # the heavy part, imported only when there is work

    final = build(index_dir, chunks, manifest, embeddings(), progress)
    return IngestReport(True, len(chunks), doc_ids, final, time.perf_counter() - started)
