"""Server mode against a real `chroma run` on loopback: ingest, reuse, prune, refuse, fail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.pipeline.service import load_assistant
from assistant.storage.bank import load_questions
from assistant.storage.index import load_chunks, open_index
from assistant.storage.manifest import Manifest, current_build
from assistant.storage.store import StoreConfig, build_key
from evals.bench.servers import chroma_server, free_port
from ingest.pipeline import IngestReport, ingest
from tests.conftest import CORPUS

HOST = "127.0.0.1"
QUESTION = "Hur ofta ska de kreativa städerna rapportera till Unesco?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreConfig]:
    """A real Chroma server for this module."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as (store, _):
        yield store


def names(store: StoreConfig) -> set[str]:
    """The collection names the server holds."""
    return {c.name for c in store.client(Path()).list_collections()}


def count(store: StoreConfig, build: Path) -> int:
    """How many vectors the server holds for a build."""
    name = Manifest.load(build).collection
    return store.client(build).get_collection(name).count()


def expected(build: Path) -> int:
    """Passages plus their sentences, from the build's chunk store, plus its bank questions
    (which are kept beside the store, not on the server)."""
    return sum(1 + len(c.sentences) for c in load_chunks(build).values()) + len(
        load_questions(build))


def on_server(build: Path) -> int:
    """The vectors a build keeps on the server: passages and their sentences."""
    return expected(build) - len(load_questions(build))


def run(corpus: Path, index_dir: Path, e5, store: StoreConfig) -> IngestReport:
    return ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5, store=store)


def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def add_paragraph(corpus: Path, n: int) -> None:
    """Append one paragraph to the English guideline."""
    path = corpus / "riktlinjer-kreativa-stader.en.md"
    text = f"\n\nThe network note number {n} concerns Lund and Visby. {{#server-note-{n}}}\n"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_ingest_puts_vectors_on_the_server(tmp_path: Path, e5, server: StoreConfig):
    index_dir = tmp_path / "index"
    build = run(CORPUS, index_dir, e5, server).build
    assert build is not None and build == current_build(index_dir)
    manifest = Manifest.load(build)
    assert manifest.store == f"http://{HOST}:{server.port}"
    assert manifest.collection == f"passages-{build_key(build)}"
    assert manifest.collection in names(server)
    assert count(server, build) == on_server(build) > manifest.chunk_count
    assert not (build / "chroma").exists()
    answer = load_assistant(index_dir, "e5", store=server).ask(QUESTION)
    assert not answer.abstained and "Vart fjärde år" in answer.text
    assert not (build / "chroma").exists()


def test_changes_reembed_little_and_prune_server_collections(tmp_path: Path, e5,
                                                             server: StoreConfig):
    corpus, index_dir = corpus_copy(tmp_path), tmp_path / "index"
    before = names(server)
    first = run(corpus, index_dir, e5, server)
    assert first.embedded == expected(first.build) and first.copied == 0
    assert not run(corpus, index_dir, e5, server).changed
    for n in range(3):
        add_paragraph(corpus, n)
        report = run(corpus, index_dir, e5, server)
        assert report.changed and 0 < report.embedded <= 5
        assert report.copied == expected(report.build) - report.embedded > 150
        assert count(server, report.build) == on_server(report.build)
    kept = sorted((index_dir / "builds").glob("b-*"))
    assert len(kept) == 2
    assert names(server) - before == {Manifest.load(b).collection for b in kept}


def test_mismatched_or_unreachable_store_says_how_to_fix(tmp_path: Path, e5,
                                                         server: StoreConfig):
    index_dir = tmp_path / "index"
    run(CORPUS, index_dir, e5, server)
    with pytest.raises(AssistantError, match="ASSISTANT_CHROMA_HOST"):
        open_index(index_dir, "e5", e5, StoreConfig())
    dead = StoreConfig(HOST, free_port())
    with pytest.raises(AssistantError, match="chroma run"):
        run(CORPUS, tmp_path / "other", e5, dead)


def test_server_gone_after_ingest_says_how_to_start_it(tmp_path: Path, e5):
    with chroma_server(tmp_path) as (store, _):
        run(CORPUS, tmp_path / "index", e5, store)
    with pytest.raises(AssistantError, match="chroma run"):
        open_index(tmp_path / "index", "e5", e5, store)
