"""The obligations register: every "ska" clause of the guideline as a row (who, what, level,
when, to whom and in what language, where it says so), found by rules over the structured
corpus at ingest, never typed in by hand.

A clause is a passage of the Swedish original whose actor and "ska" go together: a bullet
under a lead-in such as "På nationell nivå ska de kreativa städerna:", or a sentence such as
"Vart fjärde år ska de kreativa städerna rapportera om sitt arbete till Unesco." The English
translation of the same passage is carried beside it."""

from __future__ import annotations

import re

from assistant.core.types import Chunk, Obligation

ACTORS = {"de kreativa städerna": "creative cities",
          "svenska unescorådet": "Svenska Unescorådet"}
_ACTOR = "|".join(ACTORS)
CLAUSE = re.compile(rf"\b(?:ska\s+({_ACTOR})|({_ACTOR})\s+ska)\b", re.IGNORECASE)
LEVELS = (("allmän", "general"), ("global", "global"), ("nationell", "national"))
WHEN = (("i slutet av varje år", "each year, at year end"),
        ("vart fjärde år", "every four years"),
        ("årligen", "annually"))
ONGOING = "ongoing"
RECIPIENT = re.compile(r"rapportera\b[^.]*?\btill (Svenska Unescorådet|Unesco)\b")
RECIPIENTS = {"Svenska Unescorådet": "Svenska Unescorådet", "Unesco": "UNESCO"}
LANGUAGE = re.compile(r"\bpå (engelska|svenska|franska)\b")
LANGUAGES = {"engelska": "English", "svenska": "Swedish", "franska": "French"}


def _actor(chunk: Chunk) -> str | None:
    """Who a passage obliges: named in its own text, or in its list's lead-in."""
    for text in (chunk.text, chunk.lead_in):
        found = CLAUSE.search(text)
        if found:
            return ACTORS[(found.group(1) or found.group(2)).lower()]
    return None


def _first(text: str, table: tuple[tuple[str, str], ...], default: str) -> str:
    """The value of the pattern that occurs first in the text."""
    lowered = text.lower()
    places = [(lowered.find(word), value) for word, value in table if word in lowered]
    return min(places)[1] if places else default


def _row(chunk: Chunk, actor: str, english: Chunk | None) -> Obligation:
    recipient = RECIPIENT.search(chunk.text)
    language = LANGUAGE.search(chunk.text) if recipient else None
    return Obligation(
        block_id=chunk.block_id, actor=actor, requirement=chunk.text,
        requirement_en=english.text if english else "",
        level=_first(chunk.lead_in, LEVELS, ""), when=_first(chunk.text, WHEN, ONGOING),
        to_whom=RECIPIENTS[recipient.group(1)] if recipient else "",
        language=LANGUAGES[language.group(1)] if language else "",
        section=chunk.heading_path[-1] if chunk.heading_path else "", chunk_id=chunk.chunk_id)


def obligations(chunks: list[Chunk]) -> list[Obligation]:
    """Every "ska" clause of the guideline's original text, in reading order."""
    translations = {(c.family, c.block_id): c for c in chunks
                    if c.is_guideline and c.doc_id != c.family}
    rows = []
    for chunk in chunks:
        if not chunk.is_guideline or chunk.doc_id != chunk.family or chunk.kind == "footnote":
            continue
        actor = _actor(chunk) if chunk.kind == "bullet" or not chunk.text.endswith(":") else None
        if actor:
            rows.append(_row(chunk, actor, translations.get((chunk.family, chunk.block_id))))
    return rows
