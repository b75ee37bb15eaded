"""The offline support check: do passages support a sentence of a generated answer?

Plain code and the embedder, no language model: coverage of the text's content terms
(Snowball stems), embedding similarity, and exact agreement of names, numbers and
obligation words (ska / bör / kan; shall / should / may).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.core.text import split_sentences, terms, words
from assistant.core.tuning import Support
from assistant.pipeline import facts

_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÅÄÖ][\wåäöÅÄÖ-]+")
# Words that are capitalised in questions without being names.
_NOT_NAMES = {"i", "unesco", "unescos", "unescorådet", "council", "commission", "national",
              "swedish", "svenska", "network", "city", "cities", "creative", "guidelines"}
# Nationalities are lower case in Swedish ("finska städer").
_NATIONALITY = re.compile(r"\b(?:finsk|dansk|norsk|isländsk|tysk|fransk|spansk|italiensk|"
                          r"estnisk|lettisk|litauisk|polsk|brittisk|amerikansk)\w*")
# The same name in the other language.
_ALIASES = {"english": "engelsk", "engelska": "english", "swedish": "svensk", "svenska": "swedish",
            "sweden": "sverige", "sverige": "sweden", "nordic": "nord", "norden": "nordic",
            "french": "fransk", "franska": "french", "norway": "nord", "norge": "nord",
            "denmark": "nord", "danmark": "nord", "finland": "nord", "iceland": "nord",
            "island": "nord"}


def names_and_numbers(text: str, spelled: bool = True) -> set[str]:
    """Proper names (capitalised, not sentence-initial; Swedish nationality words) and
    numbers (digits, and spelled-out small numbers unless `spelled` is False)."""
    names = {m.group(0).lower() for m in _NAME.finditer(text.strip())}
    names = {n for n in names if n.split("-")[0] not in _NOT_NAMES and not n.startswith("unesco")}
    names |= {m.group(0).lower() for m in _NATIONALITY.finditer(text)}
    numbers = facts.numbers(text) if spelled else set(facts.digits(text))
    return names | numbers


def _mentioned(name: str, haystack: set[str], limits: Support) -> bool:
    if name.isdigit():
        return name in haystack
    return any(any(word.startswith(form[: max(limits.name_letters, len(form) - limits.name_ending)])
                   for word in haystack) for form in (name, _ALIASES.get(name, name)))


def missing(text: str, passage: str, limits: Support, spelled: bool = True) -> tuple[str, ...]:
    """Names and numbers of `text` that the passage does not mention."""
    haystack = set(words(passage)) | facts.numbers(passage)
    wanted = names_and_numbers(text, spelled)
    return tuple(sorted(n for n in wanted if not _mentioned(n, haystack, limits)))


def coverage(text: str, language: str, passage: str) -> float:
    """Share of the text's content terms that the passage contains."""
    wanted = set(terms(text, language))
    if not wanted:
        return 0.0
    return len(wanted & set(terms(passage, language))) / len(wanted)


@dataclass(frozen=True)
class Verdict:
    """Whether a passage supports a sentence, and why not when it does not."""

    supported: bool
    coverage: float
    similarity: float
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the check measures for one (sentence, passages) pair, before any threshold."""

    verbatim: bool
    coverage: float
    similarity: float
    problems: tuple[str, ...]

    def verdict(self, limits: Support) -> Verdict:
        """Supported when quoted verbatim, or when names, numbers, obligation words, timing,
        actor and negation agree and the sentence is close enough to the passages."""
        if self.verbatim:
            return Verdict(True, 1.0, 1.0)
        problems = list(self.problems)
        close = (self.coverage >= limits.coverage and self.similarity >= limits.similarity) or (
            self.similarity >= limits.similarity_alone)
        if not close:
            problems.append(f"not close enough to the source (coverage {self.coverage:.2f}, "
                            f"similarity {self.similarity:.2f})")
        return Verdict(not problems, round(self.coverage, 3), round(self.similarity, 3),
                       tuple(problems))


def exact_problems(sentence: str, language: str, passages: Sequence[str],
                   limits: Support) -> list[str]:
    """What a sentence gets wrong against its sources: names, numbers, obligation words,
    timing, who acts, negation. Empty when all of them agree."""
    passage = "\n".join(passages)
    found = [f"not in the source: {item}" for item in missing(sentence, passage, limits)]
    found += [f"obligation word not in the source: {o}" for o in sorted(
        facts.obligations(sentence, language, limits)
        - facts.obligations(passage, language, limits))]
    found += [f"timing not in the source: {t}"
              for t in sorted(facts.times(sentence) - facts.times(passage))]
    actor = (facts.subject(sentence, language, limits)
             or facts.first_actor(sentence, limits.opening_words))
    source_actors = {a for p in passages if (a := facts.subject(p, language, limits))}
    if actor and source_actors and actor not in source_actors:
        found.append(f"the source says this of {' and '.join(sorted(source_actors))}, "
                     f"not {actor}")
    polarity = facts.polarity_problem(sentence, language, passage, limits.negated_share)
    return found + ([polarity] if polarity else [])


@dataclass
class SupportChecker:
    """Judges (sentence, passage) pairs: exact names, numbers and obligation words, then
    stemmed content-word coverage and embedding similarity above thresholds.

    With `corpus_terms` (the stemmed words of the whole corpus, per language) it is strict,
    as the gate for generated answers is: a sentence may not bring in a word that the corpus
    uses elsewhere but its cited passages lack ("funded" said of a passage about goals)."""

    embeddings: Embeddings
    limits: Support
    corpus_terms: Mapping[str, frozenset[str]] | None = None
    _vectors: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False)

    def _vector(self, text: str, role: str) -> np.ndarray:
        if (role, text) not in self._vectors:
            raw = (self.embeddings.embed_query(text) if role == "query"
                   else self.embeddings.embed_documents([text])[0])
            self._store(role, text, raw)
        return self._vectors[(role, text)]

    def prime(self, sentences: Sequence[str], passages: Sequence[str]) -> None:
        """Embed many texts in batches ahead of judging them (much faster than one by one)."""
        queries = [t for t in dict.fromkeys(sentences) if ("query", t) not in self._vectors]
        for text, raw in zip(queries, map(self.embeddings.embed_query, queries), strict=True):
            self._store("query", text, raw)
        parts = [p for t in passages for p in (t, *split_sentences(t))]
        todo = [t for t in dict.fromkeys(parts) if ("passage", t) not in self._vectors]
        for text, raw in zip(todo, self.embeddings.embed_documents(todo), strict=True):
            self._store("passage", text, raw)

    def _store(self, role: str, text: str, raw: Sequence[float]) -> None:
        vector = np.asarray(raw, dtype=np.float32)
        self._vectors[(role, text)] = vector / (np.linalg.norm(vector) or 1.0)

    def similarity(self, sentence: str, passage: str) -> float:
        """Cosine between the sentence (as a query) and the passage, or the passage sentence
        closest to it (a short claim restates one sentence of a long passage)."""
        query = self._vector(sentence, "query")
        parts = [passage, *split_sentences(passage)]
        return max(float(query @ self._vector(p, "passage")) for p in parts)

    def measure(self, sentence: str, language: str, passages: Sequence[str]) -> Evidence:
        """Everything the verdict needs, measured once."""
        passage = "\n".join(passages)
        if _flat(sentence).strip() and _flat(sentence) in _flat(passage):
            return Evidence(True, 1.0, 1.0, ())
        similarity = self.similarity(sentence, passage) if passage.strip() else 0.0
        problems = exact_problems(sentence, language, passages, self.limits) + self._borrowed(
            sentence, language, passage)
        return Evidence(False, coverage(sentence, language, passage), similarity,
                        tuple(problems))

    def _borrowed(self, sentence: str, language: str, passage: str) -> list[str]:
        if self.corpus_terms is None:
            return []
        novel = set(terms(sentence, language)) - set(terms(passage, language))
        taken = sorted(novel & self.corpus_terms.get(language, frozenset()))
        return [f"uses {', '.join(taken)} from elsewhere in the sources"] if taken else []

    def judge(self, sentence: str, language: str, passages: Sequence[str]) -> Verdict:
        """Do these passages, read together, support the sentence?"""
        return self.measure(sentence, language, passages).verdict(self.limits)


def _flat(text: str) -> str:
    """Words separated by single spaces, padded so that containment respects word ends."""
    return f" {' '.join(words(text))} "
