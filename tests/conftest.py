"""Shared fixtures: a real index (Chroma + BM25 + multilingual-e5) built once per session,
every e5 vector kept in one embedding cache for the session (no text is embedded twice in a
run), the CLI run in this process, and the helpers that start the real app
(`python app.py`) on loopback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.core.settings import REPO_ROOT
from assistant.front.cli import main
from assistant.pipeline.service import Assistant, load_assistant
from assistant.storage.embeddings import CACHE_FILE, CachedEmbeddings, make_embedder
from assistant.storage.index import open_index
from evals.bench.servers import free_port
from ingest.pipeline import ingest

CORPUS = REPO_ROOT / "corpus"
SEED = REPO_ROOT.parent / "shared" / "seed" / "riktlinjer-unescos-kreativa-stader-i-sverige.txt"
SHARED_SOURCES = REPO_ROOT.parent / "shared" / "corpus"  # the referenced instruments (issue 6)


@pytest.fixture(scope="session")
def e5(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbeddings:
    """The default embedder (bundled multilingual-e5-small), its vectors kept in the
    session's embedding cache (as `assistant ingest` keeps them in the data folder), so
    each ingest from nothing embeds only the texts no earlier one did."""
    cache = tmp_path_factory.mktemp("embeddings") / CACHE_FILE
    return CachedEmbeddings(make_embedder("e5"), "e5", cache)


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


@dataclass(frozen=True)
class Done:
    """What a run of `assistant ARGS` did, as `subprocess.run` reports it."""

    returncode: int
    stdout: str
    stderr: str


Cli = Callable[..., Done]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli(env, *args, stdin="")` runs `assistant ARGS` here (`assistant.front.cli.main`)
    with the `ASSISTANT_*` variables of `env` (see `cli_env`) and `stdin`: its exit status
    (argparse's exits included) and output. The console script itself is run as a real
    process by a few tests (test_cli.py, test_bad_input.py, test_user_groups.py)."""
    def run(env: dict[str, str], *args: str, stdin: str = "") -> Done:
        for name in [k for k in os.environ if k.startswith("ASSISTANT_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            if name.startswith("ASSISTANT_"):
                monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()  # what the test printed before
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
        out = capsys.readouterr()
        return Done(code, out.out, out.err)

    return run


def app_env(tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of an app started by a test: no telemetry, its files under `tmp`."""
    return {"PATH": "/usr/bin:/bin", "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1", "GRADIO_TEMP_DIR": str(tmp / "gradio"), **extra}


def wait_for_app(url: str, proc: subprocess.Popen, output: Path, seconds: float = 180) -> None:
    """Wait until the app answers at `url`; its output when it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited during start-up:\n{output.read_text()}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer at {url} within {seconds} s")


@dataclass(frozen=True)
class RunningApp:
    """A running `python app.py`: where it answers, its process and its output."""

    url: str
    port: int
    proc: subprocess.Popen
    output: Path


@contextmanager
def running_app(tmp: Path, port: int | None = None, **env: str) -> Iterator[RunningApp]:
    """`python app.py` on loopback with this environment (see `app_env`), stopped with
    SIGTERM on the way out, as an operator would."""
    port = port or free_port()
    output = tmp / f"app-{port}.log"
    with output.open("ab") as sink:
        proc = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], cwd=tmp,
                                env=app_env(tmp, ASSISTANT_PORT=str(port), **env),
                                stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_app(url, proc, output)
        yield RunningApp(url, port, proc, output)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
            raise AssertionError("the app did not stop within 30 s of SIGTERM") from None
