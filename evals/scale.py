"""`python -m evals.scale`: ingest throughput and query latency of the vector store at 1×, 10×
and 100× the corpus (its vectors replicated with distinct ids), in embedded Chroma and on a
`chroma run` server. Embeds the corpus once, writes `bench/scale.json` and `bench/scale.png`,
and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Metadata
from langchain_core.embeddings import Embeddings
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.errors import AssistantError
from assistant.index import SPACE
from assistant.settings import REPO_ROOT
from assistant.store import StoreConfig
from assistant.tuning import load_tuning
from ingest.build import BATCH, Entry, vector_entries
from ingest.chunking import chunk_corpus
from ingest.pipeline import load_documents

HOST = "127.0.0.1"
CHROMA = Path(sys.executable).parent / "chroma"
HEARTBEAT_S = 60.0
BUSY_LOAD = 2.0
MODES = ("embedded", "server")
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
    documents, _ = load_documents(corpus_dir, sources_dir, False)
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


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        chromadb.HttpClient(host=HOST, port=port).heartbeat()
        return True
    except Exception:  # noqa: BLE001 - not up yet
        return False


def wait_for_heartbeat(port: int, proc: subprocess.Popen[bytes], log: Path,
                       limit: float = HEARTBEAT_S) -> None:
    """Wait until the server answers; fail if it exits or takes longer than `limit` s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssistantError(f"`chroma run` exited with {proc.returncode}; see {log}")
        if _answers(port):
            return
        time.sleep(0.3)
    raise AssistantError(f"No Chroma heartbeat on port {port} after {limit:.0f} s; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a server and wait for it (kill it after 30 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def chroma_server(folder: Path) -> Iterator[tuple[StoreConfig, int]]:
    """A `chroma run` on a free loopback port, stopped on exit: (its store config, its pid)."""
    port, log = free_port(), folder / "chroma-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(folder / "data"),
                                 "--host", HOST, "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_heartbeat(port, proc, log)
        yield StoreConfig(HOST, port), proc.pid
    finally:
        stop(proc)


def run_mode(mode: str, corpus: Corpus, factors: Sequence[int], queries: Matrix) -> list[Row]:
    """Measure every factor in one mode, each in its own temporary store."""
    with tempfile.TemporaryDirectory(prefix=f"scale-{mode}-") as tmp:
        if mode == "embedded":
            client = StoreConfig().client(Path(tmp))
            return [measure(client, mode, corpus, n, queries) for n in factors]
        with chroma_server(Path(tmp)) as (store, pid):
            client = store.client(Path(tmp))
            return [measure(client, mode, corpus, n, queries, pid) for n in factors]


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and chromadb versions, and the date."""
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    cpu = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
           .splitlines() if line.startswith("model name")]
    return {"cores": os.cpu_count(), "ram_gb": round(int(info["MemTotal"].split()[0]) / 2**20, 1),
            "cpu": cpu[0] if cpu else platform.processor(), "os": platform.platform(),
            "python": platform.python_version(), "chromadb": chromadb.__version__,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def report(corpus: Corpus, rows: list[Row], queries: int, loads: list[float],
           seconds: float) -> dict[str, Any]:
    """Everything `bench/scale.json` holds."""
    out: dict[str, Any] = {
        "machine": machine(), "command": shlex.join(["python", "-m", "evals.scale", *sys.argv[1:]]),
        "vectors_per_copy": len(corpus.entries), "queries": queries,
        "n_results": QUERY_VECTORS, "embedding_s": round(corpus.seconds, 1),
        "embedding_vectors_per_s": round(corpus.per_second, 2),
        "run_seconds": round(seconds, 1), "max_load_1m": max(loads),
        "rows": [asdict(r) for r in rows]}
    if max(loads) > BUSY_LOAD:
        out["note"] = (f"machine busy (1-min load average up to {max(loads):.2f} on "
                       f"{os.cpu_count()} cores, e.g. a CI run): timings are pessimistic")
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write the report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _panel(axis: Any, rows: list[Row], value: Callable[[Row], float], label: str) -> None:
    for mode in dict.fromkeys(r.mode for r in rows):
        mine = [r for r in rows if r.mode == mode]
        axis.plot([r.vectors for r in mine], [value(r) for r in mine], marker="o", label=mode)
    axis.set_xscale("log")
    axis.set_xlabel("vectors in the collection")
    axis.set_ylabel(label)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()


def write_plot(path: Path, rows: list[Row], title: str) -> None:
    """Two panels against collection size: query p95 latency and write throughput."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    _panel(left, rows, lambda r: r.query_p95_ms, f"query p95 latency (ms, k={QUERY_VECTORS})")
    _panel(right, rows, lambda r: r.write_vectors_per_s, "write throughput (vectors/s)")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| mode | factor | vectors | write s | write vectors/s | est. full ingest s "
             "| query p50 ms | query p95 ms | RSS MB |", "|" + " --- |" * 9]
    lines += [f"| {r.mode} | {r.factor}× | {r.vectors:,} | {r.write_s:.2f} | "
              f"{r.write_vectors_per_s:,.0f} | {r.estimated_full_ingest_s:,.0f} | "
              f"{r.query_p50_ms:.1f} | {r.query_p95_ms:.1f} | {r.rss_mb:,.0f} |" for r in rows]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m evals.scale", description=__doc__)
    parser.add_argument("--factors", default="1,10,100",
                        type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    parser.add_argument("--modes", default=",".join(MODES), type=lambda s: s.split(","))
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Embed the corpus once, measure each mode and factor, write the JSON, plot and table."""
    args = parse_args(argv)
    started, loads = time.perf_counter(), [os.getloadavg()[0]]
    from assistant.embeddings import make_embedder

    sources = Path(os.environ.get("ASSISTANT_SOURCES_DIR",
                                  REPO_ROOT.parent / "shared" / "corpus"))
    embeddings = make_embedder("e5")
    corpus = embed_corpus(load_entries(REPO_ROOT / "corpus", sources), embeddings)
    queries = embed_questions(embeddings, args.queries)
    rows = [row for mode in args.modes for row in run_mode(mode, corpus, args.factors, queries)]
    loads += [r.load_1m for r in rows] + [os.getloadavg()[0]]
    data = report(corpus, rows, args.queries, loads, time.perf_counter() - started)
    write_json(args.out / "scale.json", data)
    write_plot(args.out / "scale.png", rows, f"Chroma {chromadb.__version__}, "
               f"{len(corpus.entries):,} vectors per copy, {os.cpu_count()} cores")
    print(f"Embedding (e5): {len(corpus.entries):,} vectors in {corpus.seconds:.1f} s "
          f"= {corpus.per_second:.1f} vectors/s\n")
    print(markdown_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
