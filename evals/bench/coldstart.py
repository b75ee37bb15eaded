"""`python -m evals.bench.coldstart`: time from `make run` to the first answer in the app (with an
empty data folder, so it includes the first ingest, unless --data-dir names one that holds an
index), then warm answers through the app's API. Loopback only, bounded in time."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time

from gradio_client import Client

from assistant.core.settings import REPO_ROOT
from evals.bench.servers import free_port

QUESTIONS = ["Hur ofta ska de kreativa städerna rapportera till Unesco?",
             "What must a creative city report to the Swedish National Commission, and when?",
             "What does membership cost?"]
START_TIMEOUT_S = 300
WARM_ROUNDS = 10



def _first_answer(url: str, proc: subprocess.Popen, started: float) -> tuple[Client, float]:
    while time.monotonic() - started < START_TIMEOUT_S:
        if proc.poll() is not None:
            raise SystemExit(f"`make run` exited with {proc.returncode}")
        try:
            client = Client(url, verbose=False)
        except Exception:  # not up yet
            time.sleep(0.2)
            continue
        client.predict(QUESTIONS[0], [], "auto", api_name="/ask")
        return client, time.monotonic() - started
    raise SystemExit(f"no answer within {START_TIMEOUT_S} s")


def main() -> int:
    """Run the measurement and print JSON."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench.coldstart", description=__doc__)
    parser.add_argument("--data-dir", help="reuse this data folder (default: a new empty one)")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data_dir or scratch
        env = {**os.environ, "ASSISTANT_DATA_DIR": data, "ASSISTANT_PORT": str(port)}
        started = time.monotonic()
        proc = subprocess.Popen(["make", "run"], cwd=REPO_ROOT, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client, cold = _first_answer(f"http://127.0.0.1:{port}/", proc, started)
            warm = []
            for question in QUESTIONS * WARM_ROUNDS:
                t0 = time.perf_counter()
                client.predict(question, [], "auto", api_name="/ask")
                warm.append((time.perf_counter() - t0) * 1000)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    print(json.dumps({"cold_first_answer_s": round(cold, 2),
                      "warm_answer_ms_p50": round(statistics.median(warm), 1),
                      "warm_answer_ms_max": round(max(warm), 1), "warm_answers": len(warm)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
