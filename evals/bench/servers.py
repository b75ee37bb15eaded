"""Servers on loopback for the speed tools and the tests: a free port, and a `chroma run`
that answers its heartbeat before it is used and is stopped on the way out."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chromadb

from assistant.core.errors import AssistantError
from assistant.storage.store import StoreConfig

HOST = "127.0.0.1"
CHROMA = Path(sys.executable).parent / "chroma"
HEARTBEAT_S = 60.0


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
