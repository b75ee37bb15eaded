"""The question bank (doc2query): the questions each passage answers, in Swedish and English.

Stored under `corpus/questions/<family>.jsonl`, one line per passage:
`{"block_id", "hash", "sv": [...], "en": [...], "by"}`. `hash` is the passage's content hash
(`passage_hash`): when the passage changes, its questions are stale and are not indexed
until they are written again (`assistant ingest --questions`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.types import BankQuestion, Chunk

BANK_DIR = "questions"
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class BankEntry:
    """The questions written for one passage, and the content hash they were written for."""

    family: str
    block_id: str
    hash: str
    sv: tuple[str, ...]
    en: tuple[str, ...]
    by: str = ""

    @property
    def key(self) -> str:
        """The passage key (`family#block_id`) shared with the passage's chunks."""
        return f"{self.family}#{self.block_id}"

    def to_json(self) -> str:
        """One line of the bank file."""
        return json.dumps({"block_id": self.block_id, "hash": self.hash, "sv": list(self.sv),
                           "en": list(self.en), "by": self.by}, ensure_ascii=False)


@dataclass(frozen=True)
class BankStatus:
    """How the bank matches the passages: indexed questions, stale and missing passages."""

    questions: tuple[BankQuestion, ...]
    stale: tuple[str, ...]  # passage keys whose text changed since their questions were written
    missing: tuple[str, ...]  # passage keys with no questions at all


def passage_hash(chunk: Chunk) -> str:
    """The content hash a passage's questions are keyed by: its text as a reader sees it."""
    return hashlib.sha256(chunk.source_text.encode("utf-8")).hexdigest()[:12]


def question_id(language: str, text: str) -> str:
    """A stable id for one bank question (its vector is reused while the text is the same)."""
    return "q:" + hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()[:16]


def _entry(family: str, raw: dict[str, object], path: Path, line: int) -> BankEntry:
    try:
        sv, en = raw.get("sv", []), raw.get("en", [])
        assert isinstance(sv, list) and isinstance(en, list)
        return BankEntry(family, str(raw["block_id"]), str(raw["hash"]),
                         tuple(map(str, sv)), tuple(map(str, en)), str(raw.get("by", "")))
    except (KeyError, AssertionError) as err:
        raise AssistantError(
            f"{path}:{line}: a bank line needs block_id, hash, sv and en lists ({err!r}); "
            "fix the line or delete it and run `assistant ingest --questions`.") from err


def load_bank(folder: Path) -> dict[str, BankEntry]:
    """Every bank entry under `folder` (corpus/questions), by passage key."""
    entries: dict[str, BankEntry] = {}
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as err:
                raise AssistantError(f"{path}:{n} is not JSON ({err.msg}); fix or delete the "
                                     "line and run `assistant ingest --questions`.") from err
            entry = _entry(path.stem, raw, path, n)
            entries[entry.key] = entry
    return entries


def originals(chunks: Iterable[Chunk]) -> dict[str, Chunk]:
    """Each passage's chunk in its original language, by passage key."""
    found: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.is_original or chunk.passage_key not in found:
            found[chunk.passage_key] = chunk
    return found


def match_bank(chunks: Iterable[Chunk], bank: dict[str, BankEntry]) -> BankStatus:
    """The bank questions of the current passages; passages whose text changed, or that have
    no questions, are listed."""
    questions: list[BankQuestion] = []
    stale: list[str] = []
    missing: list[str] = []
    for key, chunk in originals(chunks).items():
        entry = bank.get(key)
        if entry is None:
            missing.append(key)
        elif entry.hash != passage_hash(chunk):
            stale.append(key)
        else:
            questions += [BankQuestion(question_id(lang, text), key, lang, text)
                          for lang in LANGUAGES for text in getattr(entry, lang)]
    return BankStatus(tuple(dict.fromkeys(questions)), tuple(stale), tuple(missing))


def save_entries(folder: Path, entries: Iterable[BankEntry]) -> list[Path]:
    """Write entries into their families' bank files, replacing a passage's old line."""
    by_family: dict[str, list[BankEntry]] = {}
    for entry in entries:
        by_family.setdefault(entry.family, []).append(entry)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for family, new in by_family.items():
        path = folder / f"{family}.jsonl"
        current = {e.key: e for e in load_bank_file(path)} if path.exists() else {}
        current |= {e.key: e for e in new}
        path.write_text("".join(e.to_json() + "\n" for e in current.values()), encoding="utf-8")
        written.append(path)
    return written


def load_bank_file(path: Path) -> list[BankEntry]:
    """The entries of one family's bank file."""
    return [e for e in load_bank(path.parent).values() if e.family == path.stem]
