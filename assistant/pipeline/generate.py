"""The generative chain: numbered passages -> prompt (package data) -> chat model -> text.
Also the rewriting of a follow-up question into a standalone one before retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib.resources import files

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable

from assistant.core.messages import message
from assistant.core.text import terms
from assistant.core.tuning import FollowUp
from assistant.core.types import Hit

Turn = tuple[str, str]  # (user question, assistant answer)
_FOLLOW_UP = re.compile(r"^(?:and|och|also|även|samt|what about|how about|hur är det med|"
                        r"vad gäller|men|but|then|sedan|and what|och vad)\b", re.IGNORECASE)


@cache
def prompt_text(name: str) -> str:
    """A prompt from `assistant/prompts/` (package data)."""
    return files("assistant").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")


def numbered(hits: Sequence[Hit]) -> list[Hit]:
    """The passages as the prompt numbers them: each hit, then the items it brings."""
    seen: dict[str, Hit] = {}
    for hit in hits:
        for item in (hit, *hit.items):
            seen.setdefault(item.chunk.chunk_id, item)
    return list(seen.values())


def passages_block(passages: Sequence[Hit]) -> str:
    """`[n] (where) lead-in text` lines for the prompt; `where` is the guideline's section,
    or a referenced instrument's or the supplement's label ("Supplement, Swedish members"),
    so the model can tell which document says what."""
    lines = []
    for n, hit in enumerate(passages, start=1):
        text = hit.chunk.source_text.replace("\n", " ")
        lines.append(f"[{n}] ({hit.chunk.label or hit.chunk.section}) {text}")
    return "\n".join(lines)


def answer_chain(model: BaseChatModel) -> Runnable:
    """prompt | model | text: the LangChain runnable that drafts an answer."""
    prompt = ChatPromptTemplate.from_messages([
        ("system", prompt_text("answer_system")), ("human", prompt_text("answer_human"))])
    return prompt | model | StrOutputParser()


def answer_inputs(question: str, language: str, passages: Sequence[Hit]) -> dict[str, str]:
    """The variables of the answer prompt."""
    return {"question": question, "language_name": message("generate.language_name", language),
            "abstain": message("answer.abstain", language), "passages": passages_block(passages)}


def is_follow_up(question: str, language: str, follow_up: FollowUp) -> bool:
    """A question that leans on the one before ("and in which language?")."""
    return bool(_FOLLOW_UP.match(question.strip())) or len(terms(question, language)) < (
        follow_up.min_terms)


def _history_text(history: Sequence[Turn], turns: int) -> str:
    return "\n".join(f"User: {q}" for q, _ in history[-turns:])


def standalone(question: str, language: str, history: Sequence[Turn], follow_up: FollowUp,
               model: BaseChatModel | None = None) -> str:
    """The question to retrieve with: a follow-up rewritten with the conversation (by the
    model when there is one and its rewrite keeps the question's terms; else the previous
    question and the follow-up together)."""
    if not history or not is_follow_up(question, language, follow_up):
        return question
    joined = f"{history[-1][0]} {question}"
    if model is None:
        return joined
    prompt = ChatPromptTemplate.from_template(prompt_text("condense"))
    try:
        rewrite = (prompt | model | StrOutputParser()).invoke({
            "history": _history_text(history, follow_up.prompt_turns), "question": question,
            "language_name": message("generate.language_name", language),
        }).strip().splitlines()[0]
    except Exception:  # a failed rewrite must not fail the answer
        return joined
    wanted = set(terms(question, language))
    keeps_terms = wanted <= set(terms(rewrite, language))
    return rewrite if keeps_terms and 0 < len(rewrite) <= follow_up.max_rewrite_chars else joined
