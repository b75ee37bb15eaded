"""An optional LLM judge of faithfulness, beside the offline support check: the answer is
split into claims, and the configured chat model says whether each claim's cited passages
support it. Used by `python -m evals --judge BACKEND`; never needed in CI."""

from __future__ import annotations

import re

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.core.types import Answer
from assistant.pipeline.answer import FRAMING
from assistant.pipeline.citations import claims
from assistant.pipeline.generate import prompt_text

_VERDICT = re.compile(r"\b(yes|no|ja|nej)\b", re.IGNORECASE)


def verdict(reply: str) -> bool:
    """True only for a reply whose first yes/no word is yes (anything else counts as no)."""
    found = _VERDICT.search(reply)
    return found is not None and found.group(1).lower() in ("yes", "ja")


def judged_claims(model: BaseChatModel, answer: Answer) -> tuple[int, int]:
    """(claims, claims the judge says their citations support)."""
    chain = ChatPromptTemplate.from_template(prompt_text("judge")) | model | StrOutputParser()
    cited = {c.n: c.source_text for c in answer.citations}
    found = claims(answer.text, FRAMING)
    supported = 0
    for claim in found:
        sources = " ".join(cited[n] for n in claim.markers if n in cited)
        if sources:
            supported += verdict(chain.invoke({"passage": sources, "sentence": claim.text}))
    return len(found), supported
