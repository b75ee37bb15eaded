"""`python -m evals.bench.scale`: ingest throughput and query latency of the vector store at 1×, 10×
and 100× the corpus (its vectors replicated with distinct ids), in embedded Chroma and on a
`chroma run` server. Embeds the corpus once, writes `bench/scale.json` and `bench/scale.png`,
and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import chromadb

from assistant.core.settings import REPO_ROOT
from evals.bench.machine import BUSY_LOAD, machine, write_json
from evals.bench.scale_measure import (
    QUERY_VECTORS,
    Corpus,
    Row,
    embed_corpus,
    embed_questions,
    load_entries,
    run_mode,
)

MODES = ("embedded", "server")


def report(corpus: Corpus, rows: list[Row], queries: int, loads: list[float],
           seconds: float) -> dict[str, Any]:
    """Everything `bench/scale.json` holds."""
    out: dict[str, Any] = {
        "machine": machine(),
        "command": shlex.join(["python", "-m", "evals.bench.scale", *sys.argv[1:]]),
        "vectors_per_copy": len(corpus.entries), "queries": queries,
        "n_results": QUERY_VECTORS, "embedding_s": round(corpus.seconds, 1),
        "embedding_vectors_per_s": round(corpus.per_second, 2),
        "run_seconds": round(seconds, 1), "max_load_1m": max(loads),
        "rows": [asdict(r) for r in rows]}
    if max(loads) > BUSY_LOAD:
        out["note"] = (f"machine busy (1-min load average up to {max(loads):.2f} on "
                       f"{os.cpu_count()} cores, e.g. a CI run): timings are pessimistic")
    return out


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
    parser = argparse.ArgumentParser(prog="python -m evals.bench.scale", description=__doc__)
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
    from assistant.storage.embeddings import make_embedder

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
