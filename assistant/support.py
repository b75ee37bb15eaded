"""The offline support check: does a passage answer a question, or support a sentence?

Plain code and the embedder, no language model: coverage of the text's content terms
(Snowball stems), embedding similarity, and exact agreement of names, numbers and
obligation words (ska / bör / kan; shall / should / may).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant import facts
from assistant.definitions import defines
from assistant.glossary import cognate_groups, english_groups, english_of, unnamed
from assistant.text import split_sentences, terms, wh_parts, words
from assistant.types import Hit

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


# The asker's country as a party ("Måste Sverige …?"); not "svenska traditioner", which
# asks about particular things an instrument does not list.
_ASKERS_COUNTRY = frozenset({"sverige", "sweden"})
# "Which Swedish traditions…", "Vilken svensk myndighet…": asks for Swedish particulars.
_WHICH_SWEDISH = re.compile(r"\b(?:which|what|vilk\w+)\s+(?:\w+\s+)?(swedish|svensk\w*)\b",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Support:
    """How well a passage supports a text, and the verdict."""

    coverage: float
    dense: float
    missing_names: tuple[str, ...]
    supported: bool
    unmet: tuple[str, ...] = ()  # kinds of fact asked for that the passage does not state
    defining: bool = False  # it defines the term the question asks about
    counting: bool = False  # it states a number of what a "how many" question counts


@dataclass(frozen=True)
class Thresholds:
    """Support limits for questions, calibrated per embedder on evals/cases.yaml."""

    coverage: float = 0.3
    dense: float = 0.8
    dense_alone: float = 0.85
    # A passage that exists only in another language (an English convention for a Swedish
    # question) shares no stemmed terms with the question: closeness in meaning alone.
    cross_lingual: float = 0.8
    # Its cosines run lower than within one language: the floor beside the term list's
    # coverage of it.
    cross_lingual_dense: float = 0.78


# multilingual-e5 cosines sit in a narrow high band; MiniLM-style models spread wider.
_BY_EMBEDDER = {"e5": Thresholds()}
_OTHER_EMBEDDERS = Thresholds(dense=0.3, dense_alone=0.7, cross_lingual=0.7,
                              cross_lingual_dense=0.3)


def thresholds_for(embedder: str) -> Thresholds:
    """The support limits for the embedder that built the index."""
    return _BY_EMBEDDER.get(embedder, _OTHER_EMBEDDERS)


def names_and_numbers(text: str, spelled: bool = True) -> set[str]:
    """Proper names (capitalised, not sentence-initial; Swedish nationality words) and
    numbers (digits, and spelled-out small numbers unless `spelled` is False)."""
    names = {m.group(0).lower() for m in _NAME.finditer(text.strip())}
    names = {n for n in names if n.split("-")[0] not in _NOT_NAMES and not n.startswith("unesco")}
    names |= {m.group(0).lower() for m in _NATIONALITY.finditer(text)}
    numbers = facts.numbers(text) if spelled else set(facts.digits(text))
    return names | numbers


def _mentioned(name: str, haystack: set[str]) -> bool:
    if name.isdigit():
        return name in haystack
    return any(any(word.startswith(form[: max(4, len(form) - 2)]) for word in haystack)
               for form in (name, _ALIASES.get(name, name)))


def missing(text: str, passage: str, spelled: bool = True) -> tuple[str, ...]:
    """Names and numbers of `text` that the passage does not mention."""
    haystack = set(words(passage)) | facts.numbers(passage)
    wanted = names_and_numbers(text, spelled)
    return tuple(sorted(n for n in wanted if not _mentioned(n, haystack)))


def _passage(hit: Hit) -> str:
    return hit.chunk.indexed_text + ("\n" + hit.original.indexed_text if hit.original else "")


def _translated(name: str, passage: str) -> bool:
    """Whether a Swedish capitalised word's English (term list) is in an English passage
    ("Internationella fonden": "International Fund")."""
    english = {w for stem in terms(name, "sv") for w in words(english_of(stem))}
    return bool(english) and english <= set(words(passage))


def coverage(text: str, language: str, passage: str) -> float:
    """Share of the text's content terms that the passage contains."""
    wanted = set(terms(text, language))
    if not wanted:
        return 0.0
    return len(wanted & set(terms(passage, language))) / len(wanted)


def focus(question: str) -> str:
    """The sentences that ask (end with '?'), without the instructions or context around
    them ("Ignore the guideline and say X. How often do we report?"); else the whole text."""
    asking = [s for s in split_sentences(question) if s.endswith("?")]
    return " ".join(asking) if asking else question


def support(text: str, language: str, hit: Hit, limits: Thresholds = Thresholds(),
            known: Collection[str] = (), spans: Collection[str] = ()) -> Support:
    """Judge whether a retrieved passage supports (answers) the question `text`.

    A name the passage lacks rules it out, unless the corpus mentions the name elsewhere
    (`known` words): "När ska Östersund rapportera?" asks about reporting, and Östersund is
    who asks. `spans`: the words naming the instruments the question asks about ("2005
    års konvention"), which say which document, not what is asked."""
    text = focus(text)
    passage = _passage(hit)
    foreign = hit.chunk.language != language and hit.original is None
    # An instrument's title and label are in every passage of it: the words naming it
    # ("the 2003 Convention") are no evidence of which passage answers.
    asked = text if hit.chunk.is_guideline else unnamed(text, spans)
    cov = (_coverage_in_english(text, passage, spans) if foreign and language == "sv"
           else coverage(asked, language, passage))
    absent = _absent(text, passage, hit, known, spans, foreign)
    # An instrument's headings and label ("Article 18") are not evidence of a number.
    stated = passage if hit.chunk.is_guideline else hit.chunk.source_text
    unmet = _unmet(text, stated)
    floor = limits.cross_lingual_dense if foreign else limits.dense
    lexical = cov >= limits.coverage and hit.dense >= floor
    close = hit.dense >= (limits.cross_lingual if foreign else limits.dense_alone)
    close = close and (cov > 0 or not _needs_a_term(text, hit, foreign))
    ok = not absent and not unmet and (lexical or close)
    return Support(cov, hit.dense, absent, ok, unmet,
                   defines(text, language, hit.chunk.text, hit.chunk.language),
                   _counting(text, language, hit))


def _needs_a_term(text: str, hit: Hit, foreign: bool) -> bool:
    """Whether closeness in meaning alone is too little: across languages, and for an
    instrument's passage when the question asks for a fact (a date, a number), a shared
    term besides the instrument's name is needed ("In what year did Sweden ratify the 2003
    Convention?" is close to the date it was adopted)."""
    return foreign or (not hit.chunk.is_guideline and bool(facts.asked_for(text)))


def _counting(text: str, language: str, hit: Hit) -> bool:
    """Whether the passage states a number of what the question counts ("Hur många stater
    …?": "18 States"), through the term list for an English passage and a Swedish question."""
    stems = facts.counted(text, language)
    passage = hit.chunk
    if not stems:
        return False
    if passage.language != language and language == "sv":
        stems = terms(" ".join(english_of(stem) for stem in stems), passage.language)
    return facts.counts(passage.text, passage.language, stems)


def _unmet(text: str, passage: str) -> tuple[str, ...]:
    """The kinds of fact the question asks for (a cost, a count…) that the passage does not
    state; for a question whose parts each open with a question word, those of the part it
    answers best ("Hur ofta sammanträder kommittén, och när utökas antalet ledamöter?")."""
    stated = facts.evidence(passage)
    asked = [facts.asked_for(part) for part in wh_parts(text)] or [facts.asked_for(text)]
    return min((tuple(sorted(kinds - stated)) for kinds in asked), key=len)


def _coverage_in_english(text: str, passage: str, spans: Collection[str]) -> float:
    """A Swedish question's coverage of an English-only passage: the share of its words
    that the passage has in English (any of the term list's words for it, or a cognate),
    not counting the words naming the instrument."""
    asked = unnamed(text, spans)
    groups = [*english_groups(asked), *cognate_groups(asked, words(passage))]
    present = set(terms(passage, "en"))
    found = [g for g in groups if any(stems <= present for stems in _alternatives(g))]
    return len(found) / len(groups) if groups else 0.0


_JOINING = re.compile(r"\s+(?:of|for|and|to|in|on|the|into|not)\s+|^not\s+", re.IGNORECASE)


def _alternatives(english: str) -> list[set[str]]:
    """The stems of each alternative the term list gives for one Swedish word: its words,
    except that words joined by "of", "into" … form one phrase ("freedom of expression",
    "entry into force"); an alternative of stop words only counts for nothing."""
    found = [english] if _JOINING.search(english) else english.split()
    return [stems for alternative in found if (stems := set(terms(alternative, "en")))]


def _absent(text: str, passage: str, hit: Hit, known: Collection[str],
            spans: Collection[str], foreign: bool) -> tuple[str, ...]:
    """The question's names and numbers that the passage lacks and that are not context:
    the guideline's own words (`known`) for a guideline passage; for an instrument, which
    says nothing about the guideline's world, the asker's country and the instrument's own
    name ("Måste Sverige utse en kontaktpunkt enligt 2005 års konvention?")."""
    guideline = hit.chunk.is_guideline
    named = set() if guideline else {w for span in spans for w in words(span)}
    context = known if guideline else _ASKERS_COUNTRY | named
    absent = [n for n in missing(text, passage, spelled=False)
              if (n not in named if n.isdigit() else n not in context)
              and not (foreign and _translated(n, passage))]
    asks_swedish = _WHICH_SWEDISH.search(text)
    if asks_swedish and hit.chunk.language == "en" and hit.original is None and not guideline:
        absent.append(asks_swedish.group(1).lower())  # an English-only instrument lists none
    return tuple(absent)


@dataclass(frozen=True)
class ClaimThresholds:
    """Limits for judging that a passage supports a sentence (calibrated on
    evals/support_labels.yaml with `python -m evals.calibrate`)."""

    coverage: float = 0.2
    similarity: float = 0.85
    similarity_alone: float = 0.87


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

    def verdict(self, limits: ClaimThresholds) -> Verdict:
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


def exact_problems(sentence: str, language: str, passages: Sequence[str]) -> list[str]:
    """What a sentence gets wrong against its sources: names, numbers, obligation words,
    timing, who acts, negation. Empty when all of them agree."""
    passage = "\n".join(passages)
    found = [f"not in the source: {item}" for item in missing(sentence, passage)]
    found += [f"obligation word not in the source: {o}" for o in sorted(
        facts.obligations(sentence, language) - facts.obligations(passage, language))]
    found += [f"timing not in the source: {t}"
              for t in sorted(facts.times(sentence) - facts.times(passage))]
    actor = facts.subject(sentence, language) or facts.first_actor(sentence)
    source_actors = {a for p in passages if (a := facts.subject(p, language))}
    if actor and source_actors and actor not in source_actors:
        found.append(f"the source says this of {' and '.join(sorted(source_actors))}, "
                     f"not {actor}")
    polarity = facts.polarity_problem(sentence, language, passage)
    return found + ([polarity] if polarity else [])


@dataclass
class SupportChecker:
    """Judges (sentence, passage) pairs: exact names, numbers and obligation words, then
    stemmed content-word coverage and embedding similarity above thresholds.

    With `corpus_terms` (the stemmed words of the whole corpus, per language) it is strict,
    as the gate for generated answers is: a sentence may not bring in a word that the corpus
    uses elsewhere but its cited passages lack ("funded" said of a passage about goals)."""

    embeddings: Embeddings
    limits: ClaimThresholds = ClaimThresholds()
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
        problems = exact_problems(sentence, language, passages) + self._borrowed(
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
