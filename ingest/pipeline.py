"""Ingest the corpus folder and the referenced sources: load, chunk, compare with the current
build, build when changed (re-embedding only what changed).

Chroma, BM25 and the embedder are loaded only when there is something to build, so an
unchanged corpus is recognised quickly (this runs on every `make run`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.core.errors import AssistantError
from assistant.core.tuning import Layout, load_tuning
from assistant.core.types import Chunk, Document
from assistant.storage.manifest import REFERENCES, SCHEMA, Manifest, current_build
from assistant.storage.store import EMBEDDED, StoreConfig
from ingest.bank import BANK_DIR, BankStatus, load_bank, match_bank
from ingest.chunking import chunk_corpus
from ingest.loaders import load_corpus
from ingest.screen import Flagged, screen
from ingest.sources import MANIFEST, SourceStatus, gather

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ingest.build import Progress


ChangeState = Literal["added", "changed", "unchanged", "removed"]


@dataclass(frozen=True)
class Change:
    """What happens to one document in an ingest."""

    doc_id: str
    state: ChangeState
    chunks: int


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did (or, on a dry run, would do)."""

    changed: bool
    chunk_count: int
    documents: tuple[str, ...]
    build: Path | None
    seconds: float
    changes: tuple[Change, ...] = ()
    sources: tuple[SourceStatus, ...] = ()
    embedded: int = 0  # vectors embedded in this ingest
    copied: int = 0  # vectors carried over from the previous build
    dry_run: bool = False
    flagged: tuple[Flagged, ...] = ()  # passages kept out: they address an AI model
    bank: BankStatus | None = None  # the question bank's questions, stale and missing passages


def document_hash(document: Document, chunks: list[Chunk]) -> str:
    """A hash of a document's chunks (ids already hash the content) and of what the manifest
    says about it (a new alias is a change, though nothing is embedded again)."""
    about = [document.title, document.kind, document.date or document.period, *document.aliases]
    ids = "\n".join([c.chunk_id for c in chunks if c.doc_id == document.doc_id] + about)
    return hashlib.sha256(ids.encode("utf-8")).hexdigest()[:16]


def document_record(document: Document, chunks: list[Chunk], embedder: str) -> dict[str, Any]:
    """What the manifest keeps about a document."""
    return {"hash": document_hash(document, chunks), "embedder": embedder,
            "chunks": sum(c.doc_id == document.doc_id for c in chunks),
            "title": document.title, "kind": document.kind, "authority": document.authority,
            "date": document.date or document.period, "source": Path(document.source_path).name,
            "aliases": list(document.aliases)}


def bank_record(status: BankStatus) -> dict[str, Any]:
    """What the manifest keeps about the question bank (its hash covers every question)."""
    ids = "\n".join(q.qid + q.passage_key for q in status.questions)
    return {"questions": len(status.questions), "stale": list(status.stale),
            "missing": len(status.missing),
            "hash": hashlib.sha256(ids.encode()).hexdigest()[:16]}


def plan_manifest(documents: list[Document], chunks: list[Chunk], embedder: str,
                  store: str = EMBEDDED, bank: BankStatus | None = None) -> Manifest:
    """The manifest an index of these chunks (and bank questions) would have."""
    records = {d.doc_id: document_record(d, chunks, embedder) for d in documents}
    languages: dict[str, list[str]] = {}  # one BM25 index each: per language, and apart
    for chunk in chunks:                   # for the referenced instruments ("en-ref")
        pool = chunk.language if chunk.is_guideline else chunk.language + REFERENCES
        languages.setdefault(pool, []).append(chunk.chunk_id)
    hashes = sorted(r["hash"] for r in records.values())
    corpus = hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16]
    return Manifest(embedder, corpus, len(chunks), records, languages, SCHEMA, store,
                    bank=bank_record(bank) if bank else {})


def changes(current: Manifest | None, planned: Manifest) -> tuple[Change, ...]:
    """Per document: added, changed, unchanged, or removed since the current build."""
    before = current.documents if current and current.schema == SCHEMA else {}
    out = []
    for doc_id, record in planned.documents.items():
        old = before.get(doc_id)
        state: ChangeState = ("added" if old is None else
                              "unchanged" if old["hash"] == record["hash"] else "changed")
        out.append(Change(doc_id, state, record["chunks"]))
    out += [Change(d, "removed", r.get("chunks", 0)) for d, r in before.items()
            if d not in planned.documents]
    return tuple(out)


def _check_embedder(current: Manifest | None, embedder: str, rebuild: bool) -> None:
    if current and current.embedder != embedder and not rebuild:
        raise AssistantError(
            f"The index was built with embedder {current.embedder!r}; ingesting with "
            f"{embedder!r} would mix embedders. Run `assistant ingest --rebuild` to replace "
            f"it, or set ASSISTANT_EMBEDDER={current.embedder}."
        )


def load_documents(corpus_dir: Path, sources_dir: Path | None, layout: Layout,
                   fetching: bool) -> tuple[list[Document], list[SourceStatus]]:
    """The guideline corpus plus every referenced source with a local copy (its lines read
    as paragraphs and headings by `layout`)."""
    documents = load_corpus(corpus_dir)
    found, statuses = gather(corpus_dir / MANIFEST, sources_dir, layout, fetching)
    ids = [d.doc_id for d in documents + found]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise AssistantError(f"Two documents share the id {', '.join(twice)}; give each a "
                             "unique doc_id (front matter) or id (sources.toml).")
    return documents + found, statuses


def _reusable(current: Manifest | None, folder: Path | None, embedder: str, store: str,
              rebuild: bool) -> tuple[Path, Manifest] | None:
    """The current build, when its vectors can be carried over into the next one."""
    if rebuild or current is None or folder is None:
        return None
    if current.schema != SCHEMA or current.embedder != embedder or current.store != store:
        return None
    return folder, current


def ingest(corpus_dir: Path, index_dir: Path, *, embedder: str,
           embeddings: Callable[[], Embeddings], rebuild: bool = False,
           progress: Progress | None = None, sources_dir: Path | None = None,
           fetch: bool = False, dry_run: bool = False,
           store: StoreConfig | None = None) -> IngestReport:
    """Ingest the corpus folder and the referenced sources; does nothing when the index is
    already up to date, and re-embeds only new or changed passages otherwise."""
    started = time.perf_counter()
    store = store or StoreConfig()
    layout = load_tuning(embedder).layout
    documents, statuses = load_documents(corpus_dir, sources_dir, layout, fetch)
    chunks, flagged = screen(chunk_corpus(documents),
                             {d.doc_id: d.source_path for d in documents})
    bank = match_bank(chunks, load_bank(corpus_dir / BANK_DIR))
    manifest = plan_manifest(documents, chunks, embedder, store.location, bank)
    folder = current_build(index_dir)
    current = Manifest.load(folder) if folder else None
    _check_embedder(current, embedder, rebuild)
    diff = changes(current, manifest)
    unchanged = bool(folder and current and current.same_content(manifest))
    report = IngestReport(not unchanged, len(chunks), tuple(d.doc_id for d in documents),
                          folder, 0.0, diff, tuple(statuses), dry_run=dry_run,
                          flagged=tuple(flagged), bank=bank)
    if dry_run or (unchanged and not rebuild):
        return replace(report, seconds=time.perf_counter() - started)
    from ingest.build import build  # the heavy part, imported only when there is work

    previous = _reusable(current, folder, embedder, store.location, rebuild)
    final, counts = build(index_dir, chunks, manifest, embeddings(), progress, store, previous,
                          bank.questions)
    return replace(report, changed=True, build=final, embedded=counts.embedded,
                   copied=counts.copied, seconds=time.perf_counter() - started)
