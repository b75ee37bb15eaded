"""Shared fixtures: a real index (Chroma + BM25 + multilingual-e5) built once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assistant.embeddings import make_embedder
from assistant.index import open_index
from assistant.service import Assistant, load_assistant
from assistant.settings import REPO_ROOT
from ingest.pipeline import ingest

CORPUS = REPO_ROOT / "corpus"
SEED = REPO_ROOT.parent / "shared" / "seed" / "riktlinjer-unescos-kreativa-stader-i-sverige.txt"
SHARED_SOURCES = REPO_ROOT.parent / "shared" / "corpus"  # the referenced instruments (issue 6)


@pytest.fixture(scope="session")
def e5():
    """The default embedder (bundled multilingual-e5-small)."""
    return make_embedder("e5")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory, e5) -> Path:
    """A data folder holding an index of the repository corpus."""
    folder = tmp_path_factory.mktemp("data")
    ingest(CORPUS, folder / "index", embedder="e5", embeddings=lambda: e5)
    return folder


@pytest.fixture(scope="session")
def full_index_dir(tmp_path_factory: pytest.TempPathFactory, e5) -> Path:
    """An index of the guideline and the three instruments in ../shared/corpus."""
    folder = tmp_path_factory.mktemp("full") / "index"
    ingest(CORPUS, folder, embedder="e5", embeddings=lambda: e5, sources_dir=SHARED_SOURCES)
    return folder


@pytest.fixture(scope="session")
def full_assistant(full_index_dir: Path) -> Assistant:
    """The assistant over the guideline and the referenced instruments."""
    return load_assistant(full_index_dir, "e5")


@pytest.fixture(scope="session")
def assistant(data_dir: Path) -> Assistant:
    """The assistant over the session index."""
    return load_assistant(data_dir / "index", "e5")


@pytest.fixture(scope="session")
def index(data_dir: Path, e5):
    """The opened session index."""
    return open_index(data_dir / "index", "e5", e5)


@pytest.fixture
def cli_env(data_dir: Path) -> dict[str, str]:
    """Environment for running the CLI against the session index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env
