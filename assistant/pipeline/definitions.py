"""Definition questions and the passages that define a term.

A legal instrument defines its terms in articles of the form ‘"Cultural industries" refers
to …’ or ‘"Artist" is taken to mean …’. A question that asks what a term means ("How does
<instrument> define <term>?", "Vad menas med <term>?", "Who counts as <term>?") is answered
by the passage that defines that term, which retrieval ranks up and the answer puts first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.text import terms
from assistant.core.tuning import Terms
from assistant.pipeline.glossary import in_english

_QUOTES = "“\"'`‘’”"
# ‘"X" means …’, ‘The "X", as defined in paragraph 1, is manifested …’, ‘The word `X'
# signifies …’: the defined term is group 1.
_DEFINES = re.compile(
    rf"^\W{{0,2}}(?:the\s+(?:\w+\s+)?)?[{_QUOTES}]([^{_QUOTES}]{{2,60}})[{_QUOTES}]+"
    r"(?:,[^,]{0,40},)?\s+(?:\([^)]*\)\s+)?"
    r"(?:means|refers?\s+to|is\s+taken\s+to\s+mean|signifies|shall\s+mean|are\s+those|"
    r"is\s+manifested)\b", re.IGNORECASE)
_ASKS = re.compile(
    r"\b(?:defin\w*|meant\s+by|what\s+(?:does|do)\b[^?]*\bmean|counts?\s+as|is\s+meant|"
    r"definier\w*|definition\w*|menas|avses|betyder|räknas\s+som)\b", re.IGNORECASE)


def asks_definition(question: str) -> bool:
    """Whether a question asks what a term means."""
    return bool(_ASKS.search(question))


@lru_cache(maxsize=4096)
def defined_term(text: str) -> str:
    """The term a passage defines ("" when it defines none)."""
    found = _DEFINES.search(text)
    return found.group(1) if found else ""


def defines(question: str, language: str, text: str, text_language: str,
            limits: Terms) -> bool:
    """Whether a passage (`text`, in `text_language`) defines a term the question asks
    about (uses `definition_match` of its words); a Swedish question is matched to an
    English passage through the term list."""
    term = defined_term(text)
    if not term or not asks_definition(question):
        return False
    wanted = set(terms(term, text_language))
    across = language == "sv" and text_language == "en"
    asked = in_english(question, limits) if across else question
    shared = wanted & set(terms(asked, text_language))
    return bool(wanted) and len(shared) >= limits.definition_match * len(wanted)
