"""The build manifest: what an index build was made from. Light to import, so that an
unchanged corpus is recognised without loading Chroma or the embedder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError

SCHEMA = 6  # bump when the build layout or the Chunk fields change (6: the question bank)
MANIFEST = "manifest.json"
REFERENCES = "-ref"  # BM25 pools: "en" the guideline's English text, "en-ref" the instruments
# How questions name a kind of instrument, in Swedish and English ("konventionen",
# "Recommendation"): with the document's year, that names it.
KIND_WORDS = {"convention": r"konvention\w*|conventions?",
              "recommendation": r"rekommendation\w*|recommendations?"}


@dataclass(frozen=True)
class Manifest:
    """What a build was made from: the embedder, the content hashes, and where its vectors
    are. `documents` maps each document id to its record: content `hash`, `embedder`,
    `chunks` (count), `title`, `kind`, `authority`, `date`, `source` (file). `bank`: how
    many bank questions are indexed, their hash, and the passages without current ones."""

    embedder: str
    corpus_hash: str
    chunk_count: int
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    languages: dict[str, list[str]] = field(default_factory=dict)
    schema: int = 1
    store: str = "embedded"
    collection: str = "passages"
    bank: dict[str, Any] = field(default_factory=dict)  # questions, hash, stale, missing

    def same_content(self, other: Manifest) -> bool:
        """Whether two builds hold the same thing in the same place (collection names
        differ between builds on a server)."""
        mine, theirs = asdict(self), asdict(other)
        return all(mine[k] == theirs[k] for k in mine if k != "collection")

    def save(self, folder: Path) -> None:
        """Write the manifest as JSON."""
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        """Read a manifest, with a fix-it message if it is missing or broken."""
        try:
            return cls(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as err:
            raise AssistantError(
                f"The index at {folder} is damaged ({err.__class__.__name__}); "
                "run `assistant ingest --rebuild` to rebuild it."
            ) from err


def of_kind(documents: Mapping[str, Mapping[str, Any]], kind: str) -> frozenset[str]:
    """The ids of a manifest's documents of one kind ("guideline", "supplement", …)."""
    return frozenset(d for d, record in documents.items() if record.get("kind") == kind)


def current_build(index_dir: Path) -> Path | None:
    """The build the `current` link points to, or None when there is no index yet."""
    link = index_dir / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if target.is_dir() else None
