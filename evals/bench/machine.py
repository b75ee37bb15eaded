"""The machine a measurement ran on, when it counts as busy, and the JSON a report is written
as; shared by the speed tools."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path
from typing import Any

import chromadb

BUSY_LOAD = 2.0  # above this 1-minute load average, timings are called pessimistic


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, Python and chromadb versions, and the date."""
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    cpu = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
           .splitlines() if line.startswith("model name")]
    return {"cores": os.cpu_count(), "ram_gb": round(int(info["MemTotal"].split()[0]) / 2**20, 1),
            "cpu": cpu[0] if cpu else platform.processor(), "os": platform.platform(),
            "python": platform.python_version(), "chromadb": chromadb.__version__,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write the report as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
