"""The assistant's one entry point for the CLI, the app and the evaluation: ask()."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.answer import extractive
from assistant.citations import verify
from assistant.embeddings import make_embedder
from assistant.errors import AssistantError
from assistant.index import open_index
from assistant.language import detect
from assistant.retrieve import HybridRetriever
from assistant.settings import BACKENDS, LANG_CHOICES
from assistant.support import Thresholds, thresholds_for
from assistant.types import Answer, Hit, Language

MAX_QUESTION_CHARS = 2000
UNSUPPORTED_LANGUAGE = (
    "I can answer in Swedish (svenska) and English only; please ask in one of them. "
    "Here is what I found in English:"
)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def resolve_language(question: str, lang: str) -> tuple[Language, str]:
    """The answer language and a notice when the question's language is unsupported."""
    if lang in ("sv", "en"):
        return lang, ""  # type: ignore[return-value]
    if lang != "auto":
        raise AssistantError(f"Unknown language {lang!r}; use one of: {', '.join(LANG_CHOICES)}.")
    detected = detect(question)
    if detected == "other":
        return "en", UNSUPPORTED_LANGUAGE
    return detected, ""


def clean_question(question: str) -> str:
    """Validate a question: not empty, not absurdly long."""
    text = " ".join(question.split())
    if not text:
        raise AssistantError("The question is empty; type a question in Swedish or English.")
    if len(text) > MAX_QUESTION_CHARS:
        raise AssistantError(
            f"The question is {len(text)} characters long; please keep it under "
            f"{MAX_QUESTION_CHARS}."
        )
    return text


@dataclass
class Assistant:
    """Retrieval plus an answer backend, loaded once and asked many times."""

    retriever: HybridRetriever
    backend: str = "extractive"
    limits: Thresholds = Thresholds()

    def ask(self, question: str, lang: str = "auto", k: int | None = None) -> Answer:
        """Answer one question with citations, in the question's language."""
        started = time.perf_counter()
        text = clean_question(question)
        language, notice = resolve_language(text, lang)
        hits = self.retriever.hits(text, language, k)
        retrieve_ms = _ms(started)
        answer = self.answer(text, language, hits, notice)
        timings = answer.timings_ms | {"retrieve": retrieve_ms, "total": _ms(started)}
        return replace(answer, timings_ms=timings)

    def answer(self, question: str, language: Language, hits: list[Hit],
               notice: str = "") -> Answer:
        """Compose and verify the answer to a cleaned question from retrieved passages."""
        started = time.perf_counter()
        vocabulary = self.retriever.index.vocabulary
        body, citations = extractive(question, language, hits, self.limits, vocabulary)
        retrieved = {c.chunk.chunk_id: c.chunk for h in hits for c in (h, *h.items)}
        answer = Answer(
            question=question, language=language, text=body, citations=tuple(citations),
            abstained=not citations, backend=self.backend, notice=notice,
            retrieved=tuple(retrieved),
        )
        answer, _ = verify(answer, retrieved)
        return replace(answer, timings_ms={"answer": _ms(started)})


def load_assistant(index_dir: Path, embedder: str, backend: str = "extractive",
                   k: int = 5) -> Assistant:
    """Open the index and the embedder that built it."""
    if backend not in BACKENDS:
        raise AssistantError(f"Unknown backend {backend!r}; use one of: {', '.join(BACKENDS)}.")
    index = open_index(index_dir, embedder, make_embedder(embedder))
    return Assistant(HybridRetriever(index=index, k=k), backend, thresholds_for(embedder))
