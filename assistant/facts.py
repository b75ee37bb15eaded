"""The facts in a sentence that must agree exactly with its source, in Swedish and English:
numbers, obligation words, who acts, when and how often, and negation.

Each extractor maps both languages onto one canonical vocabulary, so an English answer
sentence can be checked against the Swedish original as well as the translation.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.text import terms, words

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


def duties(text: str, language: str) -> list[tuple[str, str]]:
    """(actor, strength) for each obligation word that has an actor next to it: the actor
    just after it in Swedish ("På global nivå ska de kreativa städerna"), just before it in
    English ("The cities shall")."""
    spans = _actor_spans(text)
    found = []
    for match in re.finditer(r"[^\W_]+", text):
        strength = _OBLIGATIONS.get(match.group(0).lower())
        if strength is None:
            continue
        after = [a for s, _, a in spans if 0 < s - match.end() <= 4]
        before = [a for _, e, a in spans if 0 < match.start() - e <= 16][-1:]
        actors = after + before if language == "sv" else before + after
        if actors:
            found.append((actors[0], strength))
    return found


def obligations(text: str, language: str) -> set[str]:
    """The obligation strengths a text uses: 'must', 'should', and 'may' when it is said
    of an actor ("kan" / "can" alone usually means ability, not permission)."""
    strengths = {_OBLIGATIONS[w] for w in words(text) if w in _OBLIGATIONS} - {"may"}
    return strengths | {s for _, s in duties(text, language)}


def subject(text: str, language: str) -> str | None:
    """The actor the text puts an obligation on, if any."""
    found = duties(text, language)
    return found[0][0] if found else None


def times(text: str) -> set[str]:
    """When and how often a text says something happens."""
    return {tag for tag, pattern in _TIMES.items() if pattern.search(text)}


def first_actor(text: str) -> str | None:
    """The actor a text opens with ("UNESCO assesses ..."), if any."""
    spans = _actor_spans(text)
    opening = len(" ".join(text.split()[:3]))
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


def polarity_problem(sentence: str, language: str, passage: str) -> str | None:
    """A claim that drops or adds a negation relative to the passage sentence it restates."""
    wanted = set(terms(sentence, language))
    if not wanted:
        return None
    parts = [p for p in _SENTENCE.split(passage) if p.strip()]
    best = max(parts, key=lambda p: len(wanted & set(terms(p, language))), default="")
    if negated(sentence) and not negated(best):
        return "negates what the source states"
    negated_terms = set(terms(_negated_part(best), language))
    if negated_terms and not negated(sentence) and len(wanted & negated_terms) * 2 >= len(
            negated_terms):
        return "states what the source negates"
    return None


# What a question asks for that a passage must show to answer it: a cost, a contact, a
# date to come, a form, a consequence, a count or amount, a date. The guideline states none
# of the first five, so questions about them are refused instead of answered from a nearby
# passage.
_COST = (r"kosta\w*|kostnad\w*|avgift\w*|pris|priset|kronor|kr|sek|euros?|dollar\w*|fees?|"
         r"costs?|price\w*|charges?")
_CONTACT = (r"e-?post\w*|e-?mail\w*|mejl\w*|telefon\w*|phone\w*|adress\w*|address\w*|"
            r"kontaktperson\w*|contact\s+person\w*|handläggare\w*|handlägger|officer\w*|"
            r"generalsekreterare\w*|secretary-general")
_UPCOMING = (r"deadline\w*|ansökningsdag\w*|sista\s+dag\w*|nästa|next|senaste|"
             r"most\s+recent|latest|upcoming|kommande")
# "How much does a city pay?" asks for a cost; "how much" alone asks for an amount.
_PAYMENT = (r"how\s+much\b[^?]*\b(?:pay|paid|cost|charge)\w*|"
            r"hur\s+mycket\b[^?]*\b(?:betala|kosta)\w*")
_MONTHS = (r"jan\w*|feb\w*|mar\w*|apr\w*|maj|may|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|"
           r"oct\w*|nov\w*|dec\w*")
_DATE_ASKED = re.compile(r"\b(?:datum|dates?|(?:what|which)\s+year|vilket\s+år|årtal\w*)\b",
                         re.IGNORECASE)
_DATE_GIVEN = re.compile(rf"\b\d{{4}}\b|\b\d{{1,2}}\s+(?:{_MONTHS})\b", re.IGNORECASE)
_FORM = (r"format\w*|mall|mallen|templates?|sidor|pages?|blankett\w*|formulär\w*|"
         r"application\s+forms?|ansökningsformulär\w*")
# "How long should a report be?" asks for a form; "How long has Östersund been a member?" not.
_LENGTH = r"how\s+long\s+(?:should|must|shall|may|can)|hur\s+lång\w*\s+(?:ska|bör|får|måste)"
_CONSEQUENCE = (r"händer\s+om|happens\s+if|sanktion\w*|sanctions?|straff\w*|penalt\w*|"
                r"förlora\w*|lose|loses|losing|lost|uteslut\w*|exclude\w*|expel\w*|"
                r"återkalla\w*|revoke\w*|withdrawn?")
_SHARE = r"procent\w*|per\s*cent|percent\w*|percentage\w*"  # "hur många procent…?"
_ASKS = {
    name: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for name, pattern in (("cost", f"{_PAYMENT}|{_COST}"), ("contact", _CONTACT),
                          ("upcoming", _UPCOMING), ("form", f"{_FORM}|{_LENGTH}"),
                          ("consequence", _CONSEQUENCE), ("share", _SHARE))
}
_EVIDENCE = {
    name: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for name, pattern in (("cost", _COST), ("contact", _CONTACT), ("upcoming", _UPCOMING),
                          ("form", _FORM), ("consequence", _CONSEQUENCE), ("share", _SHARE))
}
# "How much money…", "hur många kronor…", "what minimum income…" ask for a sum of money: only
# a passage that states one (a number with a currency) answers them.
_MONEY_ASKED = re.compile(
    r"\b(?:how\s+much\s+money|hur\s+många\s+kronor|hur\s+mycket\s+pengar|"
    r"minimum\s+(?:\w+\s+)?(?:income|wage|salary|pay)|minimi\w*(?:inkomst|lön)\w*)\b",
    re.IGNORECASE)
_MONEY_GIVEN = re.compile(
    r"\d[\d\s.,]*\s*(?:kronor|kr|sek|euros?|eur|dollars?|usd)\b|(?:\$|€|£|US\$)\s*\d",
    re.IGNORECASE)
_PAID = re.compile(r"\b(?:pay\w*|paid|contribution\w*|betal\w*|bidrag\w*|avgift\w*)\b",
                   re.IGNORECASE)
# "How much say / influence should groups have?" asks for a degree, not an amount.
_DEGREE = (r"say|influence|weight|control|power|freedom|autonomy|involvement|emphasis|"
           r"importance|priority|inflytande|makt|frihet|självbestämmande|vikt|betydelse|"
           r"delaktighet")
_AMOUNT = rf"(?:hur\s+mycket|how\s+much)(?!\s+(?:{_DEGREE})\b)"
_COUNT = re.compile(rf"\b(?:hur\s+många|how\s+many|{_AMOUNT}|antal\w*|number\s+of)\b",
                    re.IGNORECASE)


_COUNTED = re.compile(r"\b(?:how\s+many|hur\s+många)((?:\W+\w+){1,3})", re.IGNORECASE)
COUNT_GAP = 1  # words between a number and what it counts ("18 member States")


def counted(question: str, language: str) -> list[str]:
    """What a "how many" question counts, as the stems of the content words among the three
    words after it ("How many of the States sit …?" → "state"); [] if none."""
    match = _COUNTED.search(question)
    return terms(match.group(1), language) if match else []


def counts(passage: str, language: str, stems: Collection[str]) -> bool:
    """Whether a passage states a number of something with one of these stems ("composed
    of … 18 States Parties"), not only some number ("a term of four years")."""
    tokens = words(passage)
    return any(set(terms(" ".join(tokens[i + 1 : i + 2 + COUNT_GAP]), language)) & set(stems)
               for i, token in enumerate(tokens) if token.isdigit() or token in _NUMBER_WORDS)


def asked_for(question: str) -> set[str]:
    """The kinds of fact a question asks for that need specific evidence."""
    kinds = {name for name, pattern in _ASKS.items() if pattern.search(question)}
    kinds |= {"count"} if _COUNT.search(question) else set()
    kinds |= {"money"} if _MONEY_ASKED.search(question) else set()
    return kinds | ({"date"} if _DATE_ASKED.search(question) else set())


def evidence(passage: str) -> set[str]:
    """The kinds of specific fact a passage states."""
    kinds = {name for name, pattern in _EVIDENCE.items() if pattern.search(passage)}
    kinds |= {"count"} if numbers(passage) else set()
    kinds |= {"money"} if _MONEY_GIVEN.search(passage) else set()
    kinds |= {"share"} if "%" in passage else set()
    # "a contribution … shall not exceed 1%": a share of a payment states what is paid
    kinds |= {"cost"} if any("%" in s and _PAID.search(s) for s in _SENTENCE.split(passage)) \
        else set()
    return kinds | ({"date"} if _DATE_GIVEN.search(passage) else set())
