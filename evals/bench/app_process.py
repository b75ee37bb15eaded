"""The real app in a process of its own, for the load test and the screenshots: started on
loopback with its output in a log, waited for until it answers, its /proc figures read, and
its whole process group stopped on the way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from assistant.core.settings import REPO_ROOT
from evals.bench.coldstart import _first_answer

NO_TELEMETRY = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"}
STOP_TIMEOUT_S = 20.0


def process_stats(pid: int) -> dict[str, float]:
    """A process's resident memory now (VmRSS) and at its peak (VmHWM) in kB, its threads,
    and the CPU seconds it has used (user + system), from /proc."""
    wanted = {"VmRSS", "VmHWM", "Threads"}
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    pairs = (line.split(":", 1) for line in status.splitlines() if ":" in line)
    stats = {name: float(value.split()[0]) for name, value in pairs if name in wanted}
    ticks = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    return stats | {"cpu_s": (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")}


@contextmanager
def running_app(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`app.py` in its own process group, its output in `log`; stopped on the way out."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], cwd=REPO_ROOT,
                                env=env, start_new_session=True, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the app's process group: SIGTERM, then SIGKILL after STOP_TIMEOUT_S."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (bounded) until the app has answered one question; say why when it cannot."""
    try:
        _first_answer(url, proc, time.monotonic())[0].close()
    except SystemExit as err:
        why = f"it exited with {proc.returncode}" if proc.poll() is not None else str(err)
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise SystemExit(f"app.py did not answer: {why}\n" + "\n".join(tail)) from None
