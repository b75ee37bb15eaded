"""The Doc2Query-- filter on the questions a language model wrote for a passage: its reply
read as "sv:"/"en:" lines, each line checked as a question in form, and a question kept only
when the passage lists alone (the bank weighs nothing: against the bank a question would find
itself) rank its own passage in the top 20 and no other document's passage first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.core.tuning import Tuning
    from assistant.pipeline.retrieve import HybridRetriever
    from assistant.storage.index import SearchIndex

MAX_CHARS = 300  # a longer line is not a question a user asks
TOP = 20  # a kept question finds its own passage among this many
NOT_IN_TOP = f"own passage not in top {TOP}"
OTHER_DOCUMENT = "closer to another document"
NOT_A_QUESTION = "not a question"
REASONS = (NOT_IN_TOP, OTHER_DOCUMENT, NOT_A_QUESTION)
_LINE = re.compile(r"^[\s>*•-]*(?:\d+[.)]\s*)?\**(sv|en)\**\s*:\s*(.*)$", re.IGNORECASE)
_LEAD = re.compile(r"^(?:\d+[.)]|[-*•])\s+")  # a numbering or bullet after "sv:"
_WORD = re.compile(r"[^\W\d_]+")
Question = tuple[str, str]  # (language, text)


@dataclass(frozen=True)
class Parsed:
    """A model's reply read as bank lines: its questions, and the lines that are not ones."""

    questions: tuple[Question, ...]
    rejected: tuple[str, ...]


@dataclass(frozen=True)
class PassageResult:
    """One passage's outcome: the reply, the questions kept, those dropped and why, or the
    error that stopped it."""

    key: str
    reply: str = ""
    kept: tuple[Question, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()  # (reason, question)
    error: str = ""

    @property
    def generated(self) -> int:
        """The questions the model wrote (each once)."""
        return len(self.kept) + len(self.dropped)


def _clean(text: str) -> str:
    """A question without a numbering, a bullet or quotes around it."""
    return _LEAD.sub("", text.strip()).strip(" \t*\"'`“”«»").strip()


def is_question(text: str) -> bool:
    """A question in form: two words or more, ending with '?', at most MAX_CHARS long."""
    return 0 < len(text) <= MAX_CHARS and text.endswith("?") and len(_WORD.findall(text)) > 1


def parse_reply(reply: str) -> Parsed:
    """The "sv:"/"en:" lines of a reply: questions in order, each once; empty, over-long and
    non-question lines rejected; every other line ignored."""
    questions: dict[Question, None] = {}
    rejected: list[str] = []
    for line in reply.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        text = _clean(match.group(2))
        if is_question(text):
            questions.setdefault((match.group(1).lower(), text), None)
        else:
            rejected.append(text)
    return Parsed(tuple(questions), tuple(rejected))


def filter_retriever(index: SearchIndex, tuning: Tuning) -> HybridRetriever:
    """Retrieval over the passage lists alone: the bank's own lists weigh nothing."""
    from assistant.pipeline.retrieve import HybridRetriever

    # The supplement at the instruments' share, as when the default bank was filtered: the
    # Swedish text of the referenced documents is the supplement alone, a handful of
    # passages whose BM25 list ranks them for almost any Swedish question.
    alone = tuning.changed({"fusion.bank_weight": 0.0, "fusion.bank_lexical_weight": 0.0,
                            "ranking.supplement_weight": tuning.ranking.background_weight})
    return HybridRetriever(index=index, tuning=alone, k=TOP)


def judge(retriever: HybridRetriever, key: str, question: Question) -> str | None:
    """Why a question is dropped for its passage (None when it is kept)."""
    language, text = question
    hits = retriever.hits(text, language, TOP)[:TOP]
    if key not in [hit.chunk.passage_key for hit in hits]:
        return NOT_IN_TOP
    if hits[0].chunk.family != retriever.index.groups[key][0].family:
        return OTHER_DOCUMENT
    return None


def sift(retriever: HybridRetriever, key: str, reply: str) -> PassageResult:
    """A passage's reply parsed and filtered: the questions kept, the rest with a reason."""
    parsed = parse_reply(reply)
    kept: list[Question] = []
    dropped = [(NOT_A_QUESTION, text) for text in parsed.rejected]
    for question in parsed.questions:
        reason = judge(retriever, key, question)
        if reason is None:
            kept.append(question)
        else:
            dropped.append((reason, question[1]))
    return PassageResult(key, reply, tuple(kept), tuple(dropped))
