"""Where the vectors live: Chroma embedded in each build folder (the default), or a Chroma
server (`chroma run`) for users who outgrow one process.

A build's vectors are one collection: `passages` inside the build folder when embedded,
`passages-<build id>` on a server. Everything else of a build (chunk store, BM25,
manifest) stays in the local build folder either way.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import chromadb
from chromadb.api import ClientAPI

from assistant.core.errors import AssistantError

COLLECTION = "passages"
EMBEDDED = "embedded"
SNAPSHOT_PREFIX = "kreativa-index-"

if TYPE_CHECKING:
    from assistant.core.settings import Settings


@dataclass(frozen=True)
class StoreConfig:
    """The plain values that choose the vector store (from the settings)."""

    host: str | None = None
    port: int = 8000
    token: str | None = field(default=None, repr=False)  # never in logs or tracebacks
    ssl: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreConfig:
        """Where the vectors live: embedded, or the Chroma server."""
        token = settings.chroma_token.get_secret_value() if settings.chroma_token else None
        return cls(settings.chroma_host or None, settings.chroma_port, token, settings.chroma_ssl)

    @property
    def location(self) -> str:
        """`embedded`, or the server's URL (recorded in each build's manifest)."""
        if not self.host:
            return EMBEDDED
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    def collection(self, build_key: str) -> str:
        """The collection name for a build (`build_key`: the build's random id)."""
        return COLLECTION if not self.host else f"{COLLECTION}-{build_key}"

    def client(self, folder: Path) -> ClientAPI:
        """A Chroma client for a build folder (embedded) or for the server."""
        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
        if not self.host:
            return chromadb.PersistentClient(path=str(folder / "chroma"), settings=settings)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        try:
            return chromadb.HttpClient(host=self.host, port=self.port, ssl=self.ssl,
                                       headers=headers, settings=settings)
        except Exception as err:  # chromadb raises ValueError / httpx errors on connect
            raise AssistantError(
                f"Cannot reach the Chroma server at {self.location} ({err}); start it with "
                f"`chroma run --path DIR --port {self.port}`, or unset ASSISTANT_CHROMA_HOST "
                "to use the embedded store."
            ) from err


    def reader(self, folder: Path) -> tuple[ClientAPI, Path | None]:
        """A client for answering questions from a finished build, which never writes to it:
        an embedded store is opened from a private copy (Chroma writes to a store it opens,
        even to read it), so a read-only index works. Returns the client and the copy's
        folder (None on a server), which the caller removes when it is done."""
        if self.host:
            return self.client(folder), None
        copy = Path(tempfile.mkdtemp(prefix=SNAPSHOT_PREFIX))
        try:
            shutil.copytree(folder / "chroma", copy / "chroma", copy_function=shutil.copyfile)
            for path in (copy, *copy.rglob("*")):
                path.chmod(0o700 if path.is_dir() else 0o600)  # a read-only source stays
            return StoreConfig().client(copy), copy  # readable here, and writable by Chroma
        except BaseException:
            shutil.rmtree(copy, ignore_errors=True)
            raise


def build_key(build: Path) -> str:
    """The random id in a build folder's name (`tmp-<key>` while written, `b-<time>-<key>`
    when finished), so a build keeps its collection name when it is renamed."""
    return build.name.rsplit("-", 1)[-1]
