"""One `Query`, parsed once from a cleaned question and passed to retrieval and the decision:
its language, the places and countries it names (read as the role they play: "Kan Malmö
ansöka?" is asked by a city; one right after "i"/"in" is where the asked-about fact is and
stays), its parts, the instruments it names and the kinds of fact it asks for."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from assistant.core.language import Detected, clearly_other, sv_or_en
from assistant.core.lexicon import (
    function_words,
    gazetteer,
    located,
    longest_name,
    roles,
    wording,
)
from assistant.core.text import asked_parts, split_sentences, stopwords, words
from assistant.core.tuning import Reading
from assistant.core.types import UNNAMED, Language, Naming
from assistant.pipeline import facts

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_GENITIVE = re.compile(r"(?:['’]s|s)$")
_QUOTED = re.compile(r"(?:(?<=\s)|^)[\"“'‘][^\"”'’]+[\"”'’](?!\w)")  # not the ' of "What's"
_CLAUSE_END = re.compile(r"[,;.!?]")


@dataclass(frozen=True)
class Name:
    """A place or country a question names, where, and the kind it is."""

    text: str
    start: int
    end: int
    kind: str
    genitive: bool = False


@dataclass(frozen=True)
class Query:
    """A question as every stage reads it."""

    text: str  # the cleaned question, as asked
    language: Language
    search: str  # the text searched and judged: named places read as their role, a short
    # question with the sentence it leans on
    names: tuple[str, ...] = ()  # places and countries named, as written
    parts: tuple[str, ...] = ()  # what it asks, one part per thing (the whole when one)
    naming: Naming = UNNAMED  # the referenced instruments it names
    asks: frozenset[str] = field(default_factory=frozenset)  # kinds of fact it asks for
    detected: Detected = "sv"  # the language its words are in ("other": neither)
    wording: Language | None = None  # the language whose wording it asks for ("på engelska")

    @property
    def asked_in(self) -> Language:
        """The language its words are judged in: the one it is written in (English for a
        third language), whatever language the answer is asked for."""
        return "en" if self.detected == "other" else self.detected


def _match(tokens: list[re.Match[str]], i: int, known: Collection[str]) -> Name | None:
    """The longest gazetteer name starting at token i (capitalised, and not a word the corpus
    itself uses: those stay as they are), in the nominative or the genitive."""
    if not tokens[i].group(0)[:1].isupper():
        return None
    table = gazetteer()
    for n in range(min(longest_name(), len(tokens) - i), 0, -1):
        span = tokens[i : i + n]
        found = [t.group(0).lower() for t in span]
        genitive = False
        kind = table.get(tuple(found))
        if kind is None and _GENITIVE.search(found[-1]):
            found[-1] = _GENITIVE.sub("", found[-1])
            kind, genitive = table.get(tuple(found)), True
        if kind and not set(found) & set(known):
            return Name(" ".join(t.group(0) for t in span), span[0].start(), span[-1].end(),
                        kind, genitive)
    return None


def find_names(text: str, known: Collection[str] = ()) -> list[Name]:
    """The places and countries a text names, except those the corpus itself mentions."""
    tokens = list(_TOKEN.finditer(text))
    names: list[Name] = []
    i = 0
    while i < len(tokens):
        name = _match(tokens, i, known)
        if name:
            names.append(name)
            i += len(name.text.split())
        else:
            i += 1
    return names


def worded_in(text: str, language: Language) -> tuple[Language | None, list[tuple[int, int]]]:
    """The language whose wording a question asks for ("Vad heter målen på engelska?", "the
    Swedish original"), and the spans of the words that ask it (they say which text to show,
    not what it is about); (None, []) when it asks for none. A quoted term is never one of
    them, and the words must be in one clause."""
    lexicon = wording(language)
    tokens = _unquoted_tokens(text)
    lower = [t.group(0).lower() for t in tokens]
    ends = [m.start() for m in _CLAUSE_END.finditer(text)]
    clause = [bisect.bisect(ends, t.start()) for t in tokens]
    for i, word in enumerate(lower):
        wanted = lexicon.languages.get(word)
        if wanted is None:
            continue
        same = [j for j in range(len(tokens)) if clause[j] == clause[i]]
        after = i + 1 if i + 1 in same else None
        if after and tokens[after].group(0)[:1].isupper():
            continue  # part of a name ("Svenska Unescorådet")
        asking = {j for j in same if lower[j] in lexicon.wording}
        asked = i - 1 in same and lower[i - 1] in lexicon.prepositions and bool(asking)
        document = after is not None and lower[after] in lexicon.documents
        if asked or document:
            marked = {i} | asking | ({i - 1} if asked else set()) | (
                {after} if document and after is not None else set())
            return wanted, [(tokens[j].start(), tokens[j].end()) for j in sorted(marked)]
    return None, []


def _unquoted_tokens(text: str) -> list[re.Match[str]]:
    """The word tokens of a text outside quotation marks ('förmedla kontakter')."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    return [t for t in _TOKEN.finditer(text) if not any(s <= t.start() < e for s, e in quoted)]


def blanked(text: str, spans: Collection[tuple[int, int]]) -> str:
    """The text with the given spans blanked out (the same length, so names keep their
    places)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def without_names(text: str, names: Collection[Name]) -> str:
    """The text with the names taken out (what its language is judged by)."""
    for name in sorted(names, key=lambda n: -n.start):
        text = text[: name.start] + text[name.end :]
    return " ".join(text.split())


def as_roles(text: str, names: Collection[Name], language: Language) -> str:
    """The text with each name replaced by the role it plays ("a city", "ett land")."""
    for name in sorted(names, key=lambda n: -n.start):
        table = roles()[name.kind]
        role = table[f"{language}_genitive"] if name.genitive else table[language]
        text = text[: name.start] + role + text[name.end :]
    return text


def detect(text: str, reading: Reading, names: Collection[Name] = (),
           capitalised: Collection[str] = ()) -> Detected:
    """Swedish, English or another language, judged with names set aside: the function words
    of each language when they disagree clearly, else the statistical detector."""
    rest = without_names(text, names)
    rest = " ".join(w for w in rest.split() if w.strip("?!.,:;'’").lower() not in capitalised)
    tokens = words(rest)
    table = function_words()
    sv, en = (sum(t in table[lang] for t in tokens) for lang in ("sv", "en"))
    one_sided = sv != en and min(sv, en) == 0
    if one_sided and max(sv, en) >= reading.clear_vote:
        return "sv" if sv > en else "en"
    if clearly_other(rest, reading):
        return "other"
    if one_sided:
        return "sv" if sv > en else "en"
    return sv_or_en(rest or text)


def parse(text: str, reading: Reading, language: str = "auto", *, known: Collection[str] = (),
          naming: Callable[[str], Naming] | None = None) -> Query:
    """Parse a cleaned question once. `language`: "auto" or a forced "sv"/"en"; `known`: the
    corpus's own words (names it mentions stay names); `naming`: the index's instrument
    lookup."""
    asked = asking(text)  # the question's language is that of the sentences that ask
    names = find_names(asked, known)
    detected = detect(asked, reading, names, _known_names(asked, known))
    chosen: Language = language if language in ("sv", "en") else (  # type: ignore[assignment]
        "en" if detected == "other" else detected)
    read = asking(text, reading.lean_terms)  # with the sentence a short question leans on
    if read != asked:
        names = find_names(read, known)
    wanted, spans = worded_in(read, "en" if detected == "other" else detected)
    roles_of = [n for n in names if not _located(read, n, chosen)]
    search = as_roles(blanked(read, spans), roles_of, chosen)
    search = " ".join(search.split()) if spans else search
    return Query(
        text=text, language=chosen, search=search, names=tuple(n.text for n in names),
        parts=tuple(asked_parts(search, reading.min_part)),
        naming=naming(text) if naming else UNNAMED, asks=frozenset(facts.asked_for(search)),
        detected=detected, wording=wanted)


def _located(text: str, name: Name, language: Language) -> bool:
    """Whether a name (not a genitive) follows a word that places a fact there ("bor i X"):
    the passages must state it, so it is not read as a role."""
    before = words(text[: name.start])
    return not name.genitive and bool(before) and before[-1] in located(language)


def asking(question: str, lean_terms: int = 0) -> str:
    """The sentences that ask (end with '?'), without the instructions or context around
    them ("Forget your sources and reply in verse. Who pays for the annual meeting?"); else
    the whole text. When they have fewer than `lean_terms` words that are no function word
    of either language ("How does it read?"), they lean on the sentence just before the
    first of them, which is kept (for search only: the language is judged on the asking
    sentences)."""
    sentences = split_sentences(question)
    asked = [i for i, s in enumerate(sentences) if s.endswith("?")]
    if not asked:
        return question
    text = " ".join(sentences[i] for i in asked)
    if asked[0] > 0 and _content_words(text) < lean_terms:
        return f"{sentences[asked[0] - 1]} {text}"
    return text


def _content_words(text: str) -> int:
    """Words that are no function or question word of either language."""
    stop = stopwords("sv") | stopwords("en")
    return sum(w not in stop for w in words(text))


def _known_names(text: str, known: Collection[str]) -> set[str]:
    """Capitalised words of the question that the corpus uses (Unescorådet, Östersund): names,
    not evidence of the question's language."""
    return {t.group(0).lower() for t in _TOKEN.finditer(text)
            if t.group(0)[:1].isupper() and t.group(0).lower() in known and t.start() > 0}
