"""Ingest into a real Chroma in a temporary folder: idempotent, atomic, one embedder per index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.pipeline.service import load_assistant
from assistant.storage.index import current_build, open_index
from ingest.pipeline import ingest
from tests.conftest import CORPUS

QUESTION = "Hur ofta ska de kreativa städerna rapportera till Unesco?"


def _corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def test_index_holds_every_chunk_in_chroma_and_bm25(index):
    assert index.manifest.embedder == "e5"
    assert len(index.chunks) == 96  # the guideline's 38 passages and the supplement's 10, twice
    sentences = sum(len(c.sentences) for c in index.chunks.values())
    assert index.store._collection.count() == 96 + sentences  # each passage and its sentences
    pools = {lang: len(ids) for lang, ids in index.manifest.languages.items()}
    assert pools == {"sv": 38, "en": 38, "sv-ref": 10, "en-ref": 10}


def test_second_ingest_changes_nothing(tmp_path: Path, e5):
    corpus, index_dir = _corpus_copy(tmp_path), tmp_path / "index"
    first = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5)
    again = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5)
    assert first.changed and not again.changed
    assert again.build == first.build == current_build(index_dir)


def test_changed_corpus_builds_a_new_index(tmp_path: Path, e5):
    corpus, index_dir = _corpus_copy(tmp_path), tmp_path / "index"
    first = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5)
    (corpus / "extra.md").write_text("---\ndoc_id: extra\nlanguage: en\n---\n\n## Note\n\n"
                                     "Lund is mentioned here. {#n1}\n", encoding="utf-8")
    second = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5)
    assert second.changed and second.build != first.build
    assert "extra" in open_index(index_dir, "e5", e5).manifest.documents


def test_refuses_to_mix_embedders(data_dir: Path, e5):
    with pytest.raises(AssistantError, match="would mix embedders.*--rebuild"):
        ingest(CORPUS, data_dir / "index", embedder="minilm", embeddings=lambda: e5)
    with pytest.raises(AssistantError, match="built with embedder 'e5'"):
        open_index(data_dir / "index", "minilm", e5)


def test_missing_and_damaged_index_say_how_to_fix(tmp_path: Path, e5, data_dir: Path):
    with pytest.raises(AssistantError, match="No index at .*assistant ingest"):
        open_index(tmp_path / "nothing", "e5", e5)
    broken = tmp_path / "index"
    shutil.copytree(data_dir / "index", broken, symlinks=True)
    (current_build(broken) / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(AssistantError, match="damaged.*--rebuild"):
        open_index(broken, "e5", e5)


def test_killed_ingest_leaves_previous_index_serving(tmp_path: Path, e5):
    corpus, index_dir = _corpus_copy(tmp_path), tmp_path / "data" / "index"
    before = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5).build
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_CORPUS_DIR": str(corpus)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", "--rebuild"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    builds = index_dir / "builds"
    deadline = time.monotonic() + 60
    while not any((p / "chroma").exists() for p in builds.glob("tmp-*")):
        assert time.monotonic() < deadline and proc.poll() is None, "ingest never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert current_build(index_dir) == before
    answer = load_assistant(index_dir, "e5").ask(QUESTION)
    assert not answer.abstained and "Vart fjärde år" in answer.text
    after = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5, rebuild=True)
    assert after.changed and current_build(index_dir) == after.build
    assert not list(builds.glob("tmp-*")), "the next ingest cleans up the unfinished build"


def test_bad_corpus_fails_before_touching_the_index(tmp_path: Path, e5):
    corpus, index_dir = _corpus_copy(tmp_path), tmp_path / "index"
    before = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5).build
    (corpus / "broken.md").write_bytes(b"\xff\xfe\x00 not text")
    with pytest.raises(AssistantError, match="UTF-8"):
        ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5)
    assert current_build(index_dir) == before
