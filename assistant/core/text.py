"""Word-level text processing shared by BM25 and the support check: tokens, stopwords, stems."""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from importlib.resources import files

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SWEDISH

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"])")
_ABBREVIATIONS = ("t.ex.", "bl.a.", "m.fl.", "s.k.", "d.v.s.", "dvs.", "ca.", "jfr.", "e.g.",
                  "i.e.", "etc.", "cf.", "no.", "art.")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_STEMMERS = {"sv": "swedish", "en": "english"}
def words(text: str) -> list[str]:
    """Lower-cased word tokens (hyphenated words kept whole)."""
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS.get(language, "english"))


@lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    """Function words and question words for a language."""
    base = STOPWORDS_SWEDISH if language == "sv" else STOPWORDS_EN
    return frozenset(base) | question_words().get(language, frozenset())


@cache
def question_words() -> dict[str, frozenset[str]]:
    """Question and obligation words per language (`data/lexicon/question_words.toml`)."""
    path = files("assistant").joinpath("data", "lexicon", "question_words.toml")
    raw = tomllib.loads(path.read_text("utf-8"))
    return {lang: frozenset(found) for lang, found in raw.items()}


def terms(text: str, language: str) -> list[str]:
    """Content terms: words minus stopwords, Snowball-stemmed in the given language."""
    return _stemmer(language).stemWords(content_words(text, language))


def content_words(text: str, language: str) -> list[str]:
    """Content words, unstemmed: words minus stopwords."""
    stop = stopwords(language)
    return [w for w in words(text) if w not in stop]


def stem_of(word: str, language: str) -> str:
    """One word's Snowball stem in the given language."""
    return str(_stemmer(language).stemWord(word))


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph: a full stop followed by a capital starts a new one, except
    after an abbreviation ("t.ex. Världsarv", "e.g. World Heritage")."""
    sentences: list[str] = []
    for part in (p.strip() for p in _SENTENCE_END.split(text)):
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {part}"
        elif part:
            sentences.append(part)
    return sentences


_ASKING = r"(?:vad|hur|när|vem|vilk\w*|varför|what|how|when|where|who|whom|which|why)"
# After "och"/"and", a question word may follow a preposition ("…, och på vilket språk?",
# "…, and for how long …?"); after a comma alone that is a relative clause ("…, in which …").
_LED = rf"(?:(?:på|till|för|i|av|med|från|under|for|in|to|from|by|with|at|on)\s+)?{_ASKING}"
# Where a question asking several things divides: after a question mark, and before a
# question word that follows a comma or "och"/"and" ("…, and who decides it?").
_PARTS = re.compile(rf"\?\s*|,?\s+(?:och|samt|and)\s+(?={_LED}\b)|,\s+(?={_ASKING}\b)",
                    re.IGNORECASE)
_PREMISE = re.compile(r"(?:eftersom|då|om|även om|since|because|as|given|if|although)\b",
                      re.IGNORECASE)


def asked_parts(question: str, min_words: int) -> list[str]:
    """The parts of a question that asks several things ("How many …, and how long …?"),
    each of at least `min_words` words; the question whole when it asks one thing, or when
    what comes before the first comma is a premise ("Eftersom …, hur …?")."""
    parts = [p.strip(" ,;") for p in _PARTS.split(question)]
    parts = [p for p in parts if len(p.split()) >= min_words]
    if len(parts) < 2 or _PREMISE.match(parts[0]):
        return [question]
    return parts
