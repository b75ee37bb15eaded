"""The question bank of a build, opened for search: its questions, their vectors (a matrix
searched exactly: a few thousand short questions take well under a millisecond) and a BM25
index per language. A bank hit counts for the passage its question belongs to."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from assistant.core.text import terms
from assistant.core.types import BankQuestion

QUESTIONS = "bank.jsonl"
VECTORS = "bank-vectors.npy"
LANGUAGES = ("sv", "en")


def bm25_name(language: str) -> str:
    """The folder of a language's BM25 index of bank questions in a build."""
    return f"bm25-bank-{language}"


def save_questions(folder: Path, questions: Sequence[BankQuestion], vectors: np.ndarray) -> None:
    """Write a build's bank: the questions, their vectors, a BM25 index per language."""
    with (folder / QUESTIONS).open("w", encoding="utf-8") as out:
        for question in questions:
            out.write(json.dumps(asdict(question), ensure_ascii=False) + "\n")
    np.save(folder / VECTORS, vectors.astype(np.float32))
    for language in LANGUAGES:
        texts = [terms(q.text, language) for q in questions if q.language == language]
        retriever = bm25s.BM25()
        retriever.index(texts or [["-"]], show_progress=False)
        retriever.save(str(folder / bm25_name(language)))


def load_questions(folder: Path) -> list[BankQuestion]:
    """A build's bank questions, in file order ([] when the build has no bank)."""
    path = folder / QUESTIONS
    if not path.exists():
        return []
    return [BankQuestion(**json.loads(line)) for line in path.read_text("utf-8").splitlines()
            if line.strip()]


@dataclass
class Bank:
    """An opened bank: questions, unit vectors (one row each) and BM25 per language."""

    questions: list[BankQuestion]
    vectors: np.ndarray
    bm25: dict[str, bm25s.BM25]

    @classmethod
    def empty(cls) -> Bank:
        """A bank with no questions (an index built without one)."""
        return cls([], np.zeros((0, 1), dtype=np.float32), {})

    @classmethod
    def open(cls, folder: Path) -> Bank:
        """Open a build's bank (an empty one when the build has none)."""
        questions = load_questions(folder)
        if not questions:
            return cls.empty()
        vectors = np.load(folder / VECTORS)
        bm25 = {lang: bm25s.BM25.load(str(folder / bm25_name(lang))) for lang in LANGUAGES}
        return cls(questions, vectors, bm25)

    @cached_property
    def _rows(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {lang: [] for lang in LANGUAGES}
        for i, question in enumerate(self.questions):
            rows.setdefault(question.language, []).append(i)
        return rows

    @cached_property
    def by_passage(self) -> dict[str, list[BankQuestion]]:
        """The bank questions of each passage key."""
        found: dict[str, list[BankQuestion]] = {}
        for question in self.questions:
            found.setdefault(question.passage_key, []).append(question)
        return found

    def dense(self, vector: Sequence[float], exclude: Collection[str] = ()) -> dict[str, float]:
        """Each passage's best cosine between the query and one of its bank questions."""
        if not self.questions:
            return {}
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32)
        best: dict[str, float] = {}
        for question, cosine in zip(self.questions, cosines.tolist(), strict=True):
            if question.qid in exclude:
                continue
            key = question.passage_key
            if cosine > best.get(key, -1.0):
                best[key] = cosine
        return best

    def lexical(self, query: str, language: str, k: int, fanout: int,
                exclude: Collection[str] = ()) -> list[tuple[str, float]]:
        """Passage keys by their best bank question's BM25 score in one language (`fanout`
        questions fetched per passage wanted)."""
        rows, tokens = self._rows.get(language, []), terms(query, language)
        if not rows or not tokens or language not in self.bm25:
            return []
        docs, scores = self.bm25[language].retrieve([tokens], k=min(fanout * k, len(rows)),
                                                    show_progress=False)
        best: dict[str, float] = {}
        for doc, score in zip(docs[0].tolist(), scores[0].tolist(), strict=True):
            question = self.questions[rows[int(doc)]]
            if score > 0 and question.qid not in exclude:
                best.setdefault(question.passage_key, float(score))
        return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
