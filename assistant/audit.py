"""The audit log: one JSON line per answered question (question, answer, citations, backend),
in a local file only its owner can read. Nothing leaves the machine, and a failure to write
(disk full, read-only folder) is logged but never keeps the answer from the user."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.format import to_json
from assistant.types import Answer

log = logging.getLogger("assistant.audit")
OWNER_ONLY = 0o600


@dataclass
class AuditLog:
    """Appends records to `path`; `failures` counts the records that could not be written."""

    path: Path
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, answer: Answer, channel: str) -> bool:
        """Append one answer; False (and a logged warning) when it could not be written."""
        line = json.dumps(_entry(answer, channel), ensure_ascii=False) + "\n"
        try:
            with self._lock:
                self._append(line.encode("utf-8"))
        except OSError as err:
            self.failures += 1
            log.warning("could not write the audit log %s (%s); the answer was still served. "
                        "Free space or set ASSISTANT_AUDIT_LOG to a writable file.",
                        self.path, err.strerror or err)
            return False
        return True

    def _append(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY)
        try:
            if self.path.is_file():
                os.fchmod(fd, OWNER_ONLY)  # an older, wider-open file is narrowed
            os.write(fd, data)
        finally:
            os.close(fd)

    def read(self) -> list[dict[str, Any]]:
        """Every record so far (for export and tests)."""
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def _entry(answer: Answer, channel: str) -> dict[str, Any]:
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "channel": channel}
    return entry | to_json(answer)


def open_audit(path: Path | None) -> AuditLog | None:
    """The audit log at `path`, or None when it is switched off."""
    return AuditLog(path) if path is not None else None
