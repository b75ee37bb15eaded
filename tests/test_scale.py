"""The scale benchmark's measurements on a small slice of real vectors, in embedded Chroma."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.storage.index import SPACE
from assistant.storage.store import StoreConfig
from evals.bench.machine import write_json
from evals.bench.scale import markdown_table, report, write_plot
from evals.bench.scale_measure import (
    Corpus,
    embed_corpus,
    embed_questions,
    fill,
    load_entries,
    measure,
    query_latencies,
)
from tests.conftest import CORPUS

ENTRIES = 50


@pytest.fixture(scope="module")
def corpus(e5) -> Corpus:
    """The first entries of the real corpus, embedded with e5."""
    return embed_corpus(load_entries(CORPUS, None)[:ENTRIES], e5)


def test_copies_get_distinct_ids_and_every_vector(tmp_path: Path, corpus: Corpus, e5):
    client = StoreConfig().client(tmp_path)
    queries = embed_questions(e5, 3)
    for factor in (1, 2):
        collection = client.create_collection(f"copies-{factor}", metadata=SPACE)
        assert fill(collection, corpus, factor, size=30) > 0  # several batches
        ids = collection.get(include=[])["ids"]
        assert collection.count() == len(ids) == len(set(ids)) == factor * ENTRIES
        assert {i.rsplit("#", 1)[1] for i in ids} == {str(c) for c in range(factor)}
        latencies = query_latencies(collection, queries, n_results=ENTRIES)
        assert len(latencies) == 3 and min(latencies) > 0


def test_measure_writes_a_report_and_a_plot(tmp_path: Path, corpus: Corpus, e5):
    client = StoreConfig().client(tmp_path / "store")
    queries = embed_questions(e5, 30)
    assert len(queries) == 30 and (queries[0] == queries[25]).all()  # questions cycle
    rows = [measure(client, "embedded", corpus, n, queries) for n in (1, 2)]
    assert [r.vectors for r in rows] == [ENTRIES, 2 * ENTRIES]
    assert all(r.write_vectors_per_s > 0 and 0 < r.query_p50_ms <= r.query_p95_ms
               and r.rss_mb > 0 and r.server_rss_mb is None for r in rows)
    assert client.list_collections() == []  # each factor's collection is dropped
    write_json(tmp_path / "bench" / "scale.json", report(corpus, rows, 30, [0.5], 1.0))
    write_plot(tmp_path / "bench" / "scale.png", rows, "test")
    with (tmp_path / "bench" / "scale.json").open(encoding="utf-8") as f:
        data = json.load(f)
    assert data["machine"]["cores"] and len(data["rows"]) == 2 and "note" not in data
    assert (tmp_path / "bench" / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert markdown_table(rows).count("\n") == 3
