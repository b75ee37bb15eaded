"""The scale benchmark's measurements: the corpus embedded once, then written 1×, 10× and
100× (copies with distinct ids) into a fresh collection, its queries timed and the memory
noted, in embedded Chroma or on a `chroma run` server."""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Metadata
from langchain_core.embeddings import Embeddings
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.core.errors import AssistantError
from assistant.core.tuning import load_tuning
from assistant.storage.index import SPACE
from assistant.storage.store import StoreConfig
from evals.bench.servers import chroma_server
from ingest.build import BATCH, Entry, vector_entries
from ingest.chunking import chunk_corpus
from ingest.pipeline import load_documents

QUERY_VECTORS = load_tuning("e5").fusion.min_vectors  # what one question fetches (e5 here)
Matrix = np.ndarray[Any, np.dtype[np.float32]]
QUESTIONS = (
    "Hur ofta ska de kreativa städerna rapportera till Unesco?",
    "Inom vilka områden kan en stad bli utsedd till kreativ stad?",
    "Vilka mål har Unescos nätverk för kreativa städer?",
    "Vad ska en stad skicka till Svenska Unescorådet inför en ansökan?",
    "Hur finansieras arbetet i nätverket?",
    "Vilka svenska städer är med i nätverket i dag?",
    "Vad händer om en stad inte lämnar in sin rapport i tid?",
    "Hur vill nätverket att kultur ska märkas i kommunernas planering?",
    "Vad säger konventionen från 2005 om kulturella uttrycks mångfald?",
    "Vilka rättigheter har konstnärer enligt 1980 års rekommendation?",
    "Vad räknas som immateriellt kulturarv enligt 2003 års konvention?",
    "Vem beslutar om vilka städer som blir medlemmar?",
    "What must a creative city report to the Swedish National Commission, and when?",
    "Why was the Creative Cities Network set up in the first place?",
    "How big has the network grown worldwide?",
    "Which of the network's goals concerns marginalised groups?",
    "Does the network expect cities to team up with businesses and NGOs?",
    "How is the network funded?",
    "What does a city need to include in its application?",
    "How long is a city's membership reviewed for?",
    "What does the 2005 Convention say about the sovereign right to cultural policies?",
    "How does the 2003 Convention define intangible cultural heritage?",
    "What social security does the 1980 Recommendation ask for artists?",
    "Which creative fields can a city apply in?",
    "What role does the Swedish National Commission for UNESCO play for the cities?",
)


@dataclass(frozen=True)
class Corpus:
    """The corpus's vectors, embedded once, and how long the embedding took."""

    entries: list[Entry]
    vectors: Matrix
    seconds: float

    @property
    def per_second(self) -> float:
        """Embedding throughput: passages plus sentences per second."""
        return len(self.entries) / self.seconds


@dataclass(frozen=True)
class Row:
    """One measurement: a store mode at one replication factor."""

    mode: str
    factor: int
    vectors: int
    batch_size: int
    write_s: float
    write_vectors_per_s: float
    estimated_full_ingest_s: float
    query_p50_ms: float
    query_p95_ms: float
    rss_mb: float  # embedded: this process's max RSS; server: the server's VmRSS
    max_rss_mb: float
    self_rss_mb: float
    server_rss_mb: float | None
    load_1m: float


def load_entries(corpus_dir: Path, sources_dir: Path | None) -> list[Entry]:
    """Every vector entry (passages and their sentences) of the corpus and its sources."""
    documents, _ = load_documents(corpus_dir, sources_dir, load_tuning("e5").layout, False)
    return vector_entries(chunk_corpus(documents))


def progress_bar() -> Progress:
    """A rich progress bar on stderr."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=False)


def embed_corpus(entries: list[Entry], embeddings: Embeddings) -> Corpus:
    """Embed every entry once, in the ingest's batch size, timing it."""
    rows: list[list[float]] = []
    with progress_bar() as bar:
        task = bar.add_task("embedding", total=len(entries))
        started = time.perf_counter()
        for start in range(0, len(entries), BATCH):
            rows += embeddings.embed_documents([e[1] for e in entries[start:start + BATCH]])
            bar.update(task, completed=len(rows))
        seconds = time.perf_counter() - started
    return Corpus(entries, np.asarray(rows, dtype=np.float32), seconds)


def embed_questions(embeddings: Embeddings, count: int) -> Matrix:
    """`count` query vectors, cycling the fixed questions (each embedded once)."""
    vectors = np.asarray([embeddings.embed_query(q) for q in QUESTIONS], dtype=np.float32)
    return vectors[np.arange(count) % len(QUESTIONS)]


def copies(corpus: Corpus, factor: int, size: int
           ) -> Iterator[tuple[list[str], Matrix, list[str], list[Metadata]]]:
    """Batches of at most `size` over `factor` copies of the corpus, ids `<id>#<copy>`."""
    n = len(corpus.entries)
    for start in range(0, n * factor, size):
        rows = range(start, min(start + size, n * factor))
        picked = [corpus.entries[i % n] for i in rows]
        ids = [f"{e[0]}#{i // n}" for e, i in zip(picked, rows, strict=True)]
        yield (ids, corpus.vectors[[i % n for i in rows]], [e[1] for e in picked],
               [dict(e[2]) for e in picked])


def fill(collection: Collection, corpus: Corpus, factor: int, size: int) -> float:
    """Add `factor` copies of the corpus in batches of `size`; the seconds spent in `add`."""
    spent = 0.0
    with progress_bar() as bar:
        task = bar.add_task(f"writing {factor}×", total=len(corpus.entries) * factor)
        for ids, vectors, texts, metas in copies(corpus, factor, size):
            started = time.perf_counter()
            collection.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
            spent += time.perf_counter() - started
            bar.advance(task, len(ids))
    return spent


def query_latencies(collection: Collection, queries: Matrix, n_results: int) -> list[float]:
    """Milliseconds of each single-vector query for `n_results` neighbours."""
    latencies = []
    for vector in queries:
        started = time.perf_counter()
        collection.query(query_embeddings=[vector], n_results=n_results)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def max_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_rss_mb(pid: int | str = "self") -> float:
    """A process's current resident memory, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssistantError(f"No VmRSS in /proc/{pid}/status; is this Linux?")


def measure(client: ClientAPI, mode: str, corpus: Corpus, factor: int, queries: Matrix,
            server_pid: int | None = None) -> Row:
    """Write `factor` copies into a fresh collection, time queries, note memory, drop it."""
    size = client.get_max_batch_size()
    collection = client.create_collection(f"scale-{factor}", metadata=SPACE)
    try:
        write_s = fill(collection, corpus, factor, size)
        vectors = collection.count()
        ms = query_latencies(collection, queries, min(QUERY_VECTORS, vectors))
        server_mb = vm_rss_mb(server_pid) if server_pid else None
    finally:
        client.delete_collection(collection.name)
    return Row(mode, factor, vectors, size, round(write_s, 3), round(vectors / write_s, 1),
               round(corpus.seconds * factor + write_s, 1),
               round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2),
               round(server_mb if server_mb is not None else max_rss_mb(), 1),
               round(max_rss_mb(), 1), round(vm_rss_mb(), 1),
               None if server_mb is None else round(server_mb, 1),
               round(os.getloadavg()[0], 2))


def run_mode(mode: str, corpus: Corpus, factors: Sequence[int], queries: Matrix) -> list[Row]:
    """Measure every factor in one mode, each in its own temporary store."""
    with tempfile.TemporaryDirectory(prefix=f"scale-{mode}-") as tmp:
        if mode == "embedded":
            client = StoreConfig().client(Path(tmp))
            return [measure(client, mode, corpus, n, queries) for n in factors]
        with chroma_server(Path(tmp)) as (store, pid):
            client = store.client(Path(tmp))
            return [measure(client, mode, corpus, n, queries, pid) for n in factors]
