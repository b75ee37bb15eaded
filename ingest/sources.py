"""The referenced documents: `corpus/sources.toml` names each one; local copies are read
from the sources folder (text or PDF), fetched from `download` when asked.

A missing or unreadable source is reported with where to get it and never stops the
guideline (the corpus folder) from being indexed and served.
"""

from __future__ import annotations

import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.core.errors import AssistantError
from assistant.core.tuning import Layout
from assistant.core.types import Document
from ingest.legal import Line, parse_legal
from ingest.loaders import read_text

MANIFEST = "sources.toml"
FETCH_TIMEOUT = 30.0
State = Literal["found", "missing", "failed"]


class Source(BaseModel):
    """One referenced document, as `corpus/sources.toml` describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    short: str
    publisher: str
    language: Literal["sv", "en"]
    date: str
    kind: str
    authority: int
    url: str
    file: str
    prefix: str = ""  # block ids start with it; the id when not given
    download: str = ""  # a direct link to the text or PDF, for `--fetch`
    aliases: tuple[str, ...] = ()  # how questions name it ("2005 års konvention")

    def candidates(self, folder: Path) -> list[Path]:
        """Where a local copy may be: the named file, or a PDF with the same stem."""
        named = folder / self.file
        stem = self.file.split(".")[0]
        return [named, named.with_suffix(".pdf"), folder / f"{stem}.pdf"]


@dataclass(frozen=True)
class SourceStatus:
    """What ingest found for one source: the file it read, or why it has none."""

    source: Source
    state: State
    path: Path | None = None
    message: str = ""


def load_manifest(path: Path) -> list[Source]:
    """Read the sources manifest, saying which entry is wrong when one is."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise AssistantError(f"Cannot read the sources manifest {path}: {err}") from err
    sources = []
    for n, entry in enumerate(raw.get("source", []), start=1):
        try:
            sources.append(Source.model_validate(entry))
        except ValidationError as err:
            first = err.errors()[0]
            raise AssistantError(
                f"{path}, source #{n} ({entry.get('id', '?')}): {first['loc'][0]} "
                f"{first['msg'].lower()}; fix the entry (see the comment at the top)."
            ) from err
    return sources


def _lines(path: Path, layout: Layout) -> list[Line]:
    if path.suffix.lower() == ".pdf":
        from ingest.pdf import pdf_paragraphs

        return list(pdf_paragraphs(path, layout))
    return [(None, line) for line in read_text(path).split("\n")]


def load_source(source: Source, path: Path, layout: Layout) -> Document:
    """Parse a local copy into a Document carrying the manifest's metadata, its lines read
    as paragraphs and headings by `layout`."""
    blocks = parse_legal(_lines(path, layout), source.prefix or source.id, layout)
    if not blocks:
        raise AssistantError(f"{path} holds no text; replace it with the document from "
                             f"{source.url}.")
    return Document(
        doc_id=source.id, title=source.title, language=source.language, kind=source.kind,
        blocks=blocks, publisher=source.publisher, period=source.date, source_path=str(path),
        short=source.short, date=source.date, authority=source.authority, url=source.url,
        aliases=(source.short, *source.aliases),
    )


def fetch(source: Source, folder: Path, timeout: float = FETCH_TIMEOUT) -> Path:
    """Download a source's `download` link into the sources folder (atomically)."""
    if not source.download:
        raise AssistantError(f"{source.id} has no direct download link; save it from "
                             f"{source.url} as {folder / source.file}.")
    suffix = ".pdf" if source.download.lower().endswith(".pdf") else Path(source.file).suffix
    target = (folder / source.file).with_suffix(suffix)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(source.download, timeout=timeout) as response:  # noqa: S310
            partial.write_bytes(response.read())
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise AssistantError(f"Could not download {source.download} ({err}); save it from "
                             f"{source.url} as {target}.") from err
    partial.replace(target)
    return target


def _locate(source: Source, folder: Path | None, fetching: bool) -> Path | None:
    if folder is None:
        return None
    found = next((p for p in source.candidates(folder) if p.is_file()), None)
    if found is None and fetching:
        folder.mkdir(parents=True, exist_ok=True)
        found = fetch(source, folder)
    return found


def _missing(source: Source, folder: Path | None) -> SourceStatus:
    where = folder / source.file if folder else f"the sources folder, as {source.file}"
    hint = "" if folder else " (set ASSISTANT_SOURCES_DIR)"
    return SourceStatus(source, "missing",
                        message=f"get it from {source.url} and save it as {where}{hint}")


def gather(manifest: Path, folder: Path | None, layout: Layout,
           fetching: bool = False) -> tuple[list[Document], list[SourceStatus]]:
    """Load every source that has a local copy; report the others."""
    if not manifest.is_file():
        return [], []
    documents, statuses = [], []
    for source in load_manifest(manifest):
        try:
            path = _locate(source, folder, fetching)
            if path is None:
                statuses.append(_missing(source, folder))
                continue
            documents.append(load_source(source, path, layout))
            statuses.append(SourceStatus(source, "found", path))
        except AssistantError as err:
            statuses.append(SourceStatus(source, "failed", message=str(err)))
    return documents, statuses
