"""The audit log: one JSON line per answered question (id, question, answer, citations,
backend) and per piece of feedback on an answer (helpful or not, a comment), in a local file
only its owner can read. Nothing leaves the machine, and a failure to write (disk full,
read-only folder) is logged but never keeps the answer from the user. `export` joins each
answer with its feedback, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.types import Answer
from assistant.pipeline.format import to_json

log = logging.getLogger("assistant.features.audit")
OWNER_ONLY = 0o600


@dataclass
class AuditLog:
    """Appends records to `path`; `failures` counts the records that could not be written."""

    path: Path
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, answer: Answer, channel: str) -> str:
        """Append one answer; its id, or "" (and a logged warning) when it could not be
        written."""
        entry = _entry(answer, channel)
        return entry["id"] if self._write(entry) else ""

    def feedback(self, answer_id: str, helpful: bool, comment: str = "",
                 channel: str = "app") -> bool:
        """Append feedback on the answer with this id; False when it could not be written."""
        entry = {"time": _now(), "kind": "feedback", "channel": channel, "answer_id": answer_id,
                 "helpful": helpful, "comment": comment.strip()}
        return self._write(entry)

    def _write(self, entry: dict[str, Any]) -> bool:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
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
        """Every record so far (for export and tests); a damaged line is named."""
        if not self.path.is_file():
            return []
        records = []
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                records.append(json.loads(line)) if line.strip() else None
            except json.JSONDecodeError as err:
                raise AssistantError(f"Line {n} of the audit log {self.path} is damaged "
                                     f"({err.msg}); remove or repair that line.") from err
        return records


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _entry(answer: Answer, channel: str) -> dict[str, Any]:
    entry = {"time": _now(), "kind": "answer", "id": uuid.uuid4().hex[:12], "channel": channel}
    return entry | to_json(answer)


def export(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answers, each with the feedback given on it (a list, oldest first)."""
    answers = [r for r in records if r.get("kind", "answer") == "answer"]
    given: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r.get("kind") == "feedback":
            given.setdefault(r["answer_id"], []).append(
                {k: r[k] for k in ("time", "helpful", "comment")})
    return [a | {"feedback": given.get(a.get("id", ""), [])} for a in answers]


CSV_FIELDS = ("time", "id", "channel", "language", "backend", "question", "answer",
              "citations", "abstained", "helpful", "comment")


def export_csv(rows: list[dict[str, Any]]) -> str:
    """The export as CSV: one row per answer, its citations as "[n] chunk id" and its latest
    feedback."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        last = row["feedback"][-1] if row["feedback"] else {}
        cited = "; ".join(f"[{c['n']}] {c['chunk_id']}" for c in row.get("citations", []))
        cells = row | {"citations": cited, "helpful": last.get("helpful", ""),
                       "comment": last.get("comment", "")}
        writer.writerow({k: _inert_cell(v) for k, v in cells.items()})
    return out.getvalue()


def _inert_cell(value: Any) -> Any:
    """A typed cell that a spreadsheet would run as a formula ("=HYPERLINK(…)") is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def open_audit(path: Path | None) -> AuditLog | None:
    """The audit log at `path`, or None when it is switched off."""
    return AuditLog(path) if path is not None else None
