"""The embedding cache `assistant ingest` keeps in the data folder: a text is embedded once per
embedder and role, read back bit for bit, embedded again on `--rebuild`, and a damaged cache
file says how to fix it; the e5 engine runs beside numpy on one BLAS thread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from threadpoolctl import threadpool_info

from assistant.core.errors import AssistantError
from assistant.storage.embeddings import CACHE_FILE, CachedEmbeddings, E5Embeddings, make_embedder
from tests.conftest import Cli

TEXTS = ["Vart fjärde år ska de kreativa städerna rapportera till Unesco.",
         "The network is paid for entirely by extrabudgetary funds."]
NOTE = """---
doc_id: anteckning
title: Anteckning
publisher: Testkommun
language: sv
period: 2024
kind: guideline
---

# Anteckning

## Rapportering {#rapportering}

De kreativa städerna ska i slutet av varje år rapportera till Svenska Unescorådet. {#r-1}
"""


class Counting(Embeddings):
    """The real e5 embedder, counting the texts it embeds, by role."""

    def __init__(self) -> None:
        self.inner = make_embedder("e5")
        self.passages: list[str] = []
        self.queries: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.passages += texts
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)


@pytest.fixture
def counting() -> Counting:
    return Counting()


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])


def test_a_text_is_embedded_once_per_embedder_and_role(tmp_path: Path, counting: Counting):
    cache = CachedEmbeddings(counting, "e5", tmp_path / CACHE_FILE)
    first = cache.embed_documents(TEXTS)
    assert first == counting.inner.embed_documents(TEXTS) and counting.passages == TEXTS
    again = CachedEmbeddings(counting, "e5", tmp_path / CACHE_FILE)  # as a later ingest
    assert again.embed_documents([TEXTS[1], TEXTS[0], TEXTS[1]]) == [first[1], first[0], first[1]]
    assert counting.passages == TEXTS, "read back, not embedded again"
    query = again.embed_query(TEXTS[0])  # the same text as a query: another vector (e5)
    assert query == counting.inner.embed_query(TEXTS[0]) != first[0]
    assert again.embed_queries(TEXTS[:1]) == [query] and counting.queries == [TEXTS[0]]
    other = CachedEmbeddings(counting, "st:other", tmp_path / CACHE_FILE)
    other.embed_documents(TEXTS[:1])
    assert counting.passages == [*TEXTS, TEXTS[0]], "another embedder's vectors are its own"
    fresh = CachedEmbeddings(counting, "e5", tmp_path / CACHE_FILE, read=False)
    assert fresh.embed_documents(TEXTS) == first and counting.passages[-2:] == TEXTS
    assert _rows(tmp_path / CACHE_FILE) == 4  # two passages, a query, another embedder's


def test_a_damaged_cache_file_says_how_to_fix_it(tmp_path: Path, counting: Counting):
    path = tmp_path / CACHE_FILE
    path.write_bytes(b"not a database " * 100)
    with pytest.raises(AssistantError, match=f"{CACHE_FILE} cannot be used .* delete it"):
        CachedEmbeddings(counting, "e5", path).embed_documents(TEXTS)


def test_assistant_ingest_keeps_its_vectors_in_the_data_folder(cli: Cli, tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "anteckning.md").write_text(NOTE, encoding="utf-8")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_SOURCES_DIR": str(tmp_path / "none")}
    done = cli(env, "ingest")
    assert done.returncode == 0, done.stderr
    assert "(e5; 2 vectors embedded, 0 reused)" in done.stdout  # the passage and its sentence
    assert _rows(tmp_path / "data" / CACHE_FILE) == 2
    again = cli(env, "ingest", "--rebuild")  # embedded again, kept once
    assert again.returncode == 0 and "2 vectors embedded" in again.stdout
    assert _rows(tmp_path / "data" / CACHE_FILE) == 2


def test_the_e5_engine_leaves_numpy_s_blas_on_one_thread():
    """Its own OpenMP threads answer a question; BLAS threads busy-waiting beside them made
    a question twice as slow on two cores (measured in `make bench`)."""
    E5Embeddings()
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
