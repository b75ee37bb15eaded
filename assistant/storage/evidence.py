"""What words each passage and its bank questions use, per language, with inverse document
frequencies: the IDF-weighted coverage of a question's content words by a passage (and the
questions it answers), and the share of a question's words that the corpus and the bank
use nowhere. Both are features of the answer-or-refuse decision."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from assistant.core.text import terms
from assistant.core.types import BankQuestion, Chunk

LANGUAGES = ("sv", "en")
BANK_ID = "q:"  # how a bank question's id starts (a passage's is its chunk id)
Texts = dict[str, list[tuple[str, frozenset[str]]]]  # language -> (text id, its stems)
Bridge = Callable[[str], list[str]]  # a Swedish stem -> the English stems for it


@dataclass
class Evidence:
    """Per passage key and language: the stems of its text and of each bank question."""

    texts: dict[str, Texts] = field(default_factory=dict)

    @classmethod
    def build(cls, groups: Mapping[str, Iterable[Chunk]],
              bank: Mapping[str, Iterable[BankQuestion]]) -> Evidence:
        """From the index's passages (a passage with its translations) and its bank."""
        texts: dict[str, Texts] = {}
        for key, chunks in groups.items():
            mine: Texts = {lang: [] for lang in LANGUAGES}
            for chunk in chunks:
                stems = frozenset(terms(chunk.source_text, chunk.language))
                mine.setdefault(chunk.language, []).append((chunk.chunk_id, stems))
            for question in bank.get(key, ()):
                stems = frozenset(terms(question.text, question.language))
                mine.setdefault(question.language, []).append((question.qid, stems))
            texts[key] = mine
        return cls(texts)

    @cached_property
    def _documents(self) -> dict[str, dict[str, frozenset[str]]]:
        """Per language, each passage's stems (text and bank questions together)."""
        return {lang: {key: frozenset().union(*(s for _, s in t.get(lang, [])))
                       for key, t in self.texts.items()} for lang in LANGUAGES}

    @cached_property
    def _df(self) -> dict[str, Counter[str]]:
        return {lang: Counter(s for stems in docs.values() for s in stems)
                for lang, docs in self._documents.items()}

    def idf(self, stem: str, language: str) -> float:
        """Inverse document frequency over passages (a stem used nowhere weighs most)."""
        n = len(self.texts)
        return math.log((n + 1) / (self._df[language][stem] + 1)) + 1.0

    def stems_of(self, key: str, language: str, exclude: Collection[str] = ()) -> frozenset[str]:
        """A passage's stems in one language, without the excluded texts (bank questions)."""
        if not exclude:
            return self._documents[language].get(key, frozenset())
        kept = [s for tid, s in self.texts.get(key, {}).get(language, []) if tid not in exclude]
        return frozenset().union(*kept)

    def has_text(self, key: str, language: str) -> bool:
        """Whether the passage itself (not only its bank questions) is written in a language."""
        return any(not tid.startswith(BANK_ID) for tid, _ in
                   self.texts.get(key, {}).get(language, []))

    def covered(self, stems: Collection[str], key: str, language: str,
                exclude: Collection[str] = (), bridge: Bridge | None = None) -> set[str]:
        """The question's stems that the passage or its bank questions use; for a passage
        with no text in the question's language, also those whose English (`bridge`, the
        term list) its English text uses."""
        found = self.stems_of(key, language, exclude)
        hit = {s for s in stems if s in found}
        if bridge is not None and not self.has_text(key, language):
            english = self.stems_of(key, "en", exclude)
            hit |= {s for s in stems if (alt := bridge(s)) and set(alt) <= english}
        return hit

    def coverage(self, stems: Collection[str], key: str, language: str,
                 exclude: Collection[str] = (), bridge: Bridge | None = None) -> float:
        """IDF-weighted share of the question's stems that the passage or its questions use."""
        if not stems:
            return 0.0
        found = self.covered(stems, key, language, exclude, bridge)
        weights = {s: self.idf(s, language) for s in stems}
        return sum(w for s, w in weights.items() if s in found) / sum(weights.values())

    def gap(self, stems: Collection[str], key: str, language: str,
            exclude: Collection[str] = (), bridge: Bridge | None = None) -> float:
        """The weight of the most specific question word the passage does not cover, as a
        share of the heaviest possible (0 when every word is covered)."""
        found = self.covered(stems, key, language, exclude, bridge)
        heaviest = self.idf("", language) if self.texts else 1.0
        return max((self.idf(s, language) for s in stems if s not in found), default=0.0) / heaviest

    def unknown(self, stems: Collection[str], language: str, own: str = "",
                exclude: Collection[str] = ()) -> float:
        """IDF-weighted share of the question's stems that no passage or bank question uses
        (`own`, `exclude`: a bank question being scored does not count as evidence for
        itself)."""
        if not stems:
            return 0.0
        weights = {s: self.idf(s, language) for s in stems}
        missing = sum(w for s, w in weights.items() if not self._known(s, language, own, exclude))
        return missing / sum(weights.values())

    def known(self, stem: str, language: str) -> bool:
        """Whether any passage or bank question uses the stem."""
        return self._df[language][stem] > 0

    def _known(self, stem: str, language: str, own: str, exclude: Collection[str]) -> bool:
        df = self._df[language][stem]
        if not own or not exclude:
            return df > 0
        in_own = stem in self._documents[language].get(own, frozenset())
        return df - in_own > 0 or stem in self.stems_of(own, language, exclude)
