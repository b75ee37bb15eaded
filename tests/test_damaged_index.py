"""A damaged or read-only index, on real files: a copy of the session's index (Chroma, BM25,
chunk store, manifest) damaged one part at a time. Each damage gives one line that names
`assistant ingest --rebuild` (exit 2 from the CLI; a page that says so from the app), and
asking never writes to the index, so a read-only copy answers."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from assistant.core.errors import IndexUnavailable
from assistant.pipeline.service import load_assistant
from assistant.storage.index import open_index
from assistant.storage.manifest import current_build
from assistant.storage.store import SNAPSHOT_PREFIX
from tests.conftest import Cli, running_app

QUESTION = "Hur ofta ska de kreativa städerna rapportera till Unesco?"
FIX = "run `assistant ingest --rebuild`"


def _cut(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(max(64, min(path.stat().st_size, 4096))))


def _hnsw(build: Path) -> Path:
    """The folder of the build's vector index (Chroma's HNSW files)."""
    return next(p for p in (build / "chroma").iterdir() if p.is_dir())


DAMAGE: dict[str, Callable[[Path], None]] = {
    "sqlite cut": lambda b: _cut(b / "chroma" / "chroma.sqlite3"),
    "sqlite garbage": lambda b: _garbage(b / "chroma" / "chroma.sqlite3"),
    "sqlite empty": lambda b: (b / "chroma" / "chroma.sqlite3").write_bytes(b""),
    "hnsw header garbage": lambda b: _garbage(_hnsw(b) / "header.bin"),
    "hnsw metadata garbage": lambda b: _garbage(_hnsw(b) / "index_metadata.pickle"),
    "vector store missing": lambda b: shutil.rmtree(b / "chroma"),
    "bm25 params garbage": lambda b: (b / "bm25-sv" / "params.index.json").write_text("{no"),
    "bm25 array cut": lambda b: _cut(b / "bm25-sv" / "data.csc.index.npy"),
    "chunks cut": lambda b: _cut(b / "chunks.jsonl"),
    "chunk without fields": lambda b: (b / "chunks.jsonl").write_text('{"chunk_id": "x"}\n'),
    "manifest garbage": lambda b: (b / "manifest.json").write_text("{not json"),
    "manifest wrong types": lambda b: (b / "manifest.json").write_text(json.dumps(
        json.loads((b / "manifest.json").read_text()) | {"languages": 5})),
}


def _damaged(source: Path, tmp: Path, damage: str) -> Path:
    """A copy of an index folder with one part damaged."""
    copy = tmp / "index"
    shutil.copytree(source, copy, symlinks=True)
    build = current_build(copy)
    assert build is not None
    DAMAGE[damage](build)
    return copy


def _source(damage: str, request: pytest.FixtureRequest) -> Path:
    """The index to damage: Chroma keeps a vector index on disk (and its metadata file)
    only for one this size (the guideline and the instruments); a smaller one it rebuilds
    from its log at each start, so the session's small index serves the other damages."""
    if damage.startswith("hnsw"):
        return request.getfixturevalue("full_index_dir")
    return request.getfixturevalue("data_dir") / "index"


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_each_damaged_part_gives_one_line_naming_the_fix(
        damage: str, tmp_path: Path, e5, request: pytest.FixtureRequest):
    index_dir = _damaged(_source(damage, request), tmp_path, damage)
    copies = set(Path(tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*"))
    with pytest.raises(IndexUnavailable) as raised:
        open_index(index_dir, "e5", e5)
    message = str(raised.value)
    assert "\n" not in message and FIX in message and "--path" not in message
    left = set(Path(tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*")) - copies
    assert not left, "the private copy of the vector store is removed"


@pytest.mark.parametrize("damage", ["sqlite garbage", "hnsw metadata garbage", "chunks cut"])
def test_the_cli_exits_2_with_one_line(damage: str, tmp_path: Path, cli: Cli,
                                       cli_env: dict[str, str], request: pytest.FixtureRequest):
    _damaged(_source(damage, request), tmp_path, damage)
    done = cli(cli_env | {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_AUDIT": "false"},
                "ask", QUESTION)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("assistant: ") and FIX in lines[0], lines


def test_the_app_starts_and_its_page_says_what_to_do(tmp_path: Path, data_dir: Path):
    _damaged(data_dir / "index", tmp_path, "sqlite garbage")  # an app of its own, over it
    with running_app(tmp_path, ASSISTANT_DATA_DIR=str(tmp_path), ASSISTANT_AUDIT="false") as app:
        page = httpx.get(app.url, timeout=30).text
        assert "The assistant is unavailable" in page and "damaged" in page
        assert "assistant ingest --rebuild" in page
        assert app.proc.poll() is None, "the app keeps running"
    assert app.output.read_text().count("assistant ingest --rebuild") == 1  # one line logged


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under a folder: its content hash and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def read_only(data_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the session's data folder whose index nobody may write (chmod -R a-w)."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir / "index", copy / "index", symlinks=True)
    paths = [copy / "index", *(copy / "index").rglob("*")]
    for path in paths:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
    yield copy
    for path in paths:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


def test_asking_never_writes_to_the_index(read_only: Path, cli: Cli, cli_env: dict[str, str]):
    before = _snapshot(read_only / "index")
    done = cli(cli_env | {"ASSISTANT_DATA_DIR": str(read_only), "ASSISTANT_AUDIT": "false"},
                "ask", QUESTION)
    assert done.returncode == 0, done.stderr
    assert "Vart fjärde år" in done.stdout
    answer = load_assistant(read_only / "index", "e5").ask(QUESTION)  # and without the CLI
    assert not answer.abstained
    assert _snapshot(read_only / "index") == before, "a file of the index changed"
