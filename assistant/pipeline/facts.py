"""The facts in a sentence that must agree exactly with its source, in Swedish and English:
numbers, obligation words, who acts, when and how often, and negation.

Each extractor maps both languages onto one canonical vocabulary, so an English answer
sentence can be checked against the Swedish original as well as the translation.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib.resources import files

from assistant.core.text import terms, words
from assistant.core.tuning import Support

_NUMBER = re.compile(r"\d+")
# Spelled-out numbers that carry dates and frequencies ("vart fjärde år", "every four years").
_NUMBER_WORDS = {
    "två": "2", "two": "2", "twice": "2", "tre": "3", "tredje": "3", "three": "3",
    "third": "3", "fyra": "4", "fjärde": "4", "four": "4", "fourth": "4", "fem": "5",
    "five": "5", "sex": "6", "six": "6", "sju": "7", "seven": "7", "åtta": "8", "eight": "8",
}
# Obligation strength: what must, should or may be done.
_OBLIGATIONS = {
    "ska": "must", "skall": "must", "måste": "must", "skyldig": "must", "skyldiga": "must",
    "shall": "must", "must": "must", "required": "must", "obliged": "must",
    "bör": "should", "borde": "should", "should": "should", "ought": "should",
    "kan": "may", "får": "may", "may": "may", "can": "may", "might": "may",
}
# Who acts. The Council's names are matched before UNESCO's, which they contain.
_ACTORS = (
    ("council", re.compile(r"\b(?:svenska\s+)?unescorådet\w*|\b(?:swedish\s+)?national\s+"
                           r"commission(?:\s+for\s+unesco)?|\bthe\s+commission\b|\bcouncil\b",
                           re.IGNORECASE)),
    ("cities", re.compile(r"\b(?:kreativa\s+)?(?:städer\w*|stad(?:en)?\b)|"
                          r"\b(?:creative\s+)?(?:cities|city)\b", re.IGNORECASE)),
    ("unesco", re.compile(r"\bunesco\w*", re.IGNORECASE)),
)
# When and how often, as canonical tags.
_TIMES = {
    "yearly": re.compile(r"varje\s+år|årlig\w*|per\s+år\b|om\s+året|each\s+year|every\s+year|"
                         r"annual\w*|yearly|once\s+a\s+year|a\s+year\b", re.IGNORECASE),
    "year-end": re.compile(r"slutet\s+av|(?:at\s+)?the\s+end\s+of|year[-\s]end|"
                           r"årets\s+slut", re.IGNORECASE),
    "year-start": re.compile(r"början\s+av|beginning\s+of|start\s+of|årets\s+början",
                             re.IGNORECASE),
    "monthly": re.compile(r"månad\w*|month\w*", re.IGNORECASE),
    "weekly": re.compile(r"vecka|veckor|week\w*", re.IGNORECASE),
}
_NEGATIONS = {"inte", "ej", "icke", "aldrig", "ingen", "inget", "inga", "not", "no", "never",
              "none", "neither", "nor", "cannot"}
_CLAUSE_END = re.compile(r"\butan\b|\bbut\b|[,;:.]", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def digits(text: str) -> list[str]:
    """The numbers written with digits (a range gives both its ends)."""
    return _NUMBER.findall(text)


def numbers(text: str) -> set[str]:
    """Numbers and years (ranges split into their ends), spelled-out small numbers as digits."""
    spelled = {_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS}
    return set(_NUMBER.findall(text)) | spelled


def _actor_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, actor) of every actor named, the Council's names before UNESCO's."""
    spans: list[tuple[int, int, str]] = []
    rest = text
    for actor, pattern in _ACTORS:
        spans += [(m.start(), m.end(), actor) for m in pattern.finditer(rest)]
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    return sorted(spans)


def duties(text: str, language: str, limits: Support) -> list[tuple[str, str]]:
    """(actor, strength) for each obligation word that has an actor next to it: the actor
    just after it in Swedish ("På global nivå ska de kreativa städerna"), just before it in
    English ("The cities shall"), within `actor_after` or `actor_before` characters."""
    spans = _actor_spans(text)
    found = []
    for match in re.finditer(r"[^\W_]+", text):
        strength = _OBLIGATIONS.get(match.group(0).lower())
        if strength is None:
            continue
        after = [a for s, _, a in spans if 0 < s - match.end() <= limits.actor_after]
        before = [a for _, e, a in spans if 0 < match.start() - e <= limits.actor_before][-1:]
        actors = after + before if language == "sv" else before + after
        if actors:
            found.append((actors[0], strength))
    return found


def obligations(text: str, language: str, limits: Support) -> set[str]:
    """The obligation strengths a text uses: 'must', 'should', and 'may' when it is said
    of an actor ("kan" / "can" alone usually means ability, not permission)."""
    strengths = {_OBLIGATIONS[w] for w in words(text) if w in _OBLIGATIONS} - {"may"}
    return strengths | {s for _, s in duties(text, language, limits)}


def subject(text: str, language: str, limits: Support) -> str | None:
    """The actor the text puts an obligation on, if any."""
    found = duties(text, language, limits)
    return found[0][0] if found else None


def times(text: str) -> set[str]:
    """When and how often a text says something happens."""
    return {tag for tag, pattern in _TIMES.items() if pattern.search(text)}


def first_actor(text: str, opening_words: int) -> str | None:
    """The actor a text opens with, in its first `opening_words` ("UNESCO assesses ..."),
    if any."""
    spans = _actor_spans(text)
    opening = len(" ".join(text.split()[:opening_words]))
    return spans[0][2] if spans and spans[0][0] <= opening else None


def _negated_part(sentence: str) -> str:
    """The words between a negation and the end of its clause ("not X but Y" -> "X")."""
    tokens = re.split(r"(\s+)", sentence)
    for i, token in enumerate(tokens):
        if token.lower().strip(".,;:") in _NEGATIONS:
            tail = "".join(tokens[i + 1:])
            return _CLAUSE_END.split(tail, maxsplit=1)[0]
    return ""


def negated(text: str) -> bool:
    """Whether a text contains a negation word."""
    return any(w in _NEGATIONS for w in words(text))


def polarity_problem(sentence: str, language: str, passage: str,
                     negated_share: float) -> str | None:
    """A claim that drops or adds a negation relative to the passage sentence it restates
    (it restates what the source negates when it uses `negated_share` of the negated
    words)."""
    wanted = set(terms(sentence, language))
    if not wanted:
        return None
    parts = [p for p in _SENTENCE.split(passage) if p.strip()]
    best = max(parts, key=lambda p: len(wanted & set(terms(p, language))), default="")
    if negated(sentence) and not negated(best):
        return "negates what the source states"
    negated_terms = set(terms(_negated_part(best), language))
    if negated_terms and not negated(sentence) and len(wanted & negated_terms) >= (
            negated_share * len(negated_terms)):
        return "states what the source negates"
    return None


@cache
def fact_kinds() -> dict[str, dict[str, re.Pattern[str] | None]]:
    """The kinds of fact a question may ask for and a passage may state (a cost, a contact,
    a date to come, a form, a consequence, a share, a count, a sum of money, a date), each
    as an `asked` and a `given` pattern from `assistant/data/lexicon/fact_kinds.toml`."""
    text = files("assistant").joinpath("data", "lexicon", "fact_kinds.toml").read_text("utf-8")
    return {kind: {side: _whole_words(entry.get(side, [])) for side in ("asked", "given")}
            for kind, entry in tomllib.loads(text).items()}


def _whole_words(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile(rf"\b(?:{'|'.join(patterns)})\b", re.IGNORECASE) if patterns else None


def asked_for(question: str) -> set[str]:
    """The kinds of fact a question asks for that need specific evidence."""
    return {kind for kind, sides in fact_kinds().items()
            if (asked := sides["asked"]) is not None and asked.search(question)}


def evidence(passage: str) -> set[str]:
    """The kinds of specific fact a passage states."""
    kinds = {kind for kind, sides in fact_kinds().items()
             if (given := sides["given"]) is not None and given.search(passage)}
    kinds |= {"count"} if numbers(passage) else set()
    kinds |= {"share"} if "%" in passage else set()
    paid = fact_kinds()["payment"]["given"]
    if paid is not None and any("%" in s and paid.search(s) for s in _SENTENCE.split(passage)):
        kinds.add("cost")
    return kinds - {"payment"}
