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
from assistant.storage.embeddings import CachedEmbeddings, cached_embedder
from assistant.storage.index import open_index
from evals.bench.servers import free_port
from ingest.pipeline import ingest

# OpenMP (the e5 engine, llama.cpp) keeps its threads spinning while they wait for work; on
# cores another process is using (an app or a model server a test started, or anything else
# on the machine) that turns a 20 ms query into a second or more. Here, and in the processes
# the tests start, waiting threads sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

CORPUS = REPO_ROOT / "corpus"
SEED = REPO_ROOT.parent / "shared" / "seed" / "riktlinjer-unescos-kreativa-stader-i-sverige.txt"
SHARED_SOURCES = REPO_ROOT.parent / "shared" / "corpus"  # the referenced instruments (issue 6)


@pytest.fixture(scope="session")
def e5(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbeddings:
    """The default embedder (bundled multilingual-e5-small), its vectors kept in the
    session's embedding cache (as `assistant ingest` keeps them in the data folder), so
    each ingest from nothing embeds only the texts no earlier one did."""
    return cached_embedder("e5", tmp_path_factory.mktemp("embeddings"))


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
            "PYTHONUNBUFFERED": "1", "GRADIO_TEMP_DIR": str(tmp / "gradio"),
            "OMP_WAIT_POLICY": os.environ["OMP_WAIT_POLICY"], **extra}


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


# The app the browser and the security tests share, started once per session. Tests that
# need another configuration start their own: a damaged index (test_damaged_index.py), a
# stop and a restart (test_served_files.py, the last test of test_app_browser.py), half a
# login (test_security.py).
USER = "stadskansliet"
PASSWORD = "pw-Kv7#reindeer-93f1"
API_KEY = "sk-test-7f3a9c1e55d04b6b"
CHROMA_TOKEN = "chroma-tok-5e8d21aa0c"
LOGIN_ATTEMPTS = 5  # the default
LOCKOUT_S = 2.0


@dataclass(frozen=True)
class SharedApp:
    """The session's `python app.py`: where it answers, its process, its output, its audit
    log and GRADIO_TEMP_DIR (each run makes its private folder inside)."""

    url: str
    port: int
    proc: subprocess.Popen
    output: Path
    audit_log: Path
    upload_dir: Path


@pytest.fixture(scope="session")
def shared_app(data_dir: Path, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[SharedApp]:
    """The app over the session index with a login, secrets in its settings, the default
    host (none set) and its own audit log; a lockout of LOCKOUT_S seconds after
    LOGIN_ATTEMPTS failed logins, so a test can wait it out."""
    tmp = tmp_path_factory.mktemp("shared-app")
    audit = tmp / "audit" / "audit.jsonl"
    with running_app(tmp, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_USERNAME=USER,
                     ASSISTANT_PASSWORD=PASSWORD, ASSISTANT_OPENAI_API_KEY=API_KEY,
                     ASSISTANT_CHROMA_TOKEN=CHROMA_TOKEN, ASSISTANT_AUDIT_LOG=str(audit),
                     ASSISTANT_LOGIN_ATTEMPTS=str(LOGIN_ATTEMPTS),
                     ASSISTANT_LOGIN_LOCKOUT=str(LOCKOUT_S)) as running:
        yield SharedApp(running.url, running.port, running.proc, running.output, audit,
                        tmp / "gradio")
