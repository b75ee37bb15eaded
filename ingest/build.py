"""Write an index build (chunk store, BM25 per language, Chroma vectors) beside the current
one, then swap it in with one atomic rename."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import bm25s
from langchain_core.embeddings import Embeddings

from assistant.index import save_chunks, vector_store
from assistant.manifest import Manifest
from assistant.text import terms
from assistant.types import Chunk

Progress = Callable[[int, int], None]
BATCH = 16
KEEP_BUILDS = 2


def write_bm25(folder: Path, chunks: dict[str, Chunk], manifest: Manifest) -> None:
    """One BM25 index per language, stemmed in that language, rows in manifest order."""
    for lang, ids in manifest.languages.items():
        retriever = bm25s.BM25()
        retriever.index([terms(chunks[i].indexed_text, lang) for i in ids], show_progress=False)
        retriever.save(str(folder / f"bm25-{lang}"))


def vector_entries(chunks: list[Chunk]) -> list[tuple[str, str, dict[str, str]]]:
    """(id, text, metadata) of every vector: each passage whole, and each of its sentences
    with the passage as `parent`."""
    entries = []
    for c in chunks:
        meta = {"doc_id": c.doc_id, "language": c.language}
        entries.append((c.chunk_id, c.indexed_text, meta))
        entries += [(f"{c.chunk_id}~{i}", text, meta | {"parent": c.chunk_id})
                    for i, text in enumerate(c.sentences)]
    return entries


def write_vectors(
    folder: Path, chunks: list[Chunk], embeddings: Embeddings, progress: Progress | None
) -> None:
    """Embed the passages and their sentences in batches into the build's Chroma
    collection."""
    store = vector_store(folder, embeddings)
    entries = vector_entries(chunks)
    for start in range(0, len(entries), BATCH):
        ids, texts, metas = zip(*entries[start : start + BATCH], strict=True)
        store.add_texts(texts=list(texts), metadatas=list(metas), ids=list(ids))
        if progress:
            progress(min(start + BATCH, len(entries)), len(entries))


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
