"""The assistant's one entry point for the CLI, the app and the evaluation: ask()."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from assistant.core.bounds import MAX_QUESTION_CHARS, Bounds, printable, recent_turns
from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.settings import BACKENDS, LANG_CHOICES
from assistant.core.tuning import Reading, Tuning, load_tuning
from assistant.core.types import SUPPLEMENT, Answer, Citation, Hit, Language
from assistant.pipeline.answer import dated_intro, extractive, later_part
from assistant.pipeline.citations import verify
from assistant.pipeline.decide import Judged, Model, judge, load_model
from assistant.pipeline.generate import Turn, answer_chain, answer_inputs, numbered, standalone
from assistant.pipeline.llm import LLMConfig, ModelTimeout, chat_model
from assistant.pipeline.query import Query, asking, detect, find_names
from assistant.pipeline.retrieve import HybridRetriever
from assistant.pipeline.scope import with_scope
from assistant.pipeline.support import SupportChecker
from assistant.pipeline.verify import Checked, StreamGate
from assistant.storage.embeddings import make_embedder
from assistant.storage.index import open_index
from assistant.storage.manifest import of_kind
from assistant.storage.store import StoreConfig

log = logging.getLogger("assistant")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def resolve_language(question: str, lang: str, reading: Reading) -> tuple[Language, str]:
    """The answer language and a notice when the question's language is unsupported."""
    if lang in ("sv", "en"):
        return lang, ""  # type: ignore[return-value]
    if lang != "auto":
        raise AssistantError(f"Unknown language {lang!r}; use one of: {', '.join(LANG_CHOICES)}.")
    asked = asking(question)
    detected = detect(asked, reading, find_names(asked))
    if detected == "other":  # answered in English, with a notice saying so
        return "en", message("service.unsupported_language", "en")
    return detected, ""


def for_model(hits: Sequence[Hit], citations: Sequence[Citation], k: int) -> list[Hit]:
    """The passages a model is given: the fusion's first `k`, then any lower-ranked one the
    extractive answer quotes (the decision found it likely to answer)."""
    cited = {c.chunk_id for c in citations}
    return list(hits[:k]) + [h for h in hits[k:]
                             if cited & {c.chunk.chunk_id for c in (h, *h.items)}]


def clean_question(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """Validate a question: valid text, not empty, at most `limit` characters; control and
    format characters (terminal escapes, bidi overrides, NUL) are dropped."""
    if len(question) > 4 * limit:  # refused before any work on it
        raise AssistantError(f"The question is {len(question)} characters long; please keep "
                             f"it under {limit}.")
    if any(unicodedata.category(ch) == "Cs" for ch in question):
        raise AssistantError("The question is not valid UTF-8 text; save or paste it as "
                             "UTF-8 and ask again.")
    text = printable(question)
    if not text:
        raise AssistantError("The question is empty; type a question in Swedish or English.")
    if len(text) > limit:
        raise AssistantError(
            f"The question is {len(text)} characters long; please keep it under {limit}."
        )
    return text


Event = str | Answer  # checked text as each sentence passes the gate, then the final answer


@dataclass
class Assistant:
    """Retrieval plus an answer backend, loaded once and asked many times; `tuning` is what
    its retriever, decision, selection and support check were given."""

    retriever: HybridRetriever
    decision: Model
    tuning: Tuning
    backend: str = "extractive"
    checker: SupportChecker | None = None
    model: BaseChatModel | None = None
    note: str = ""  # what the user should know about the backend (e.g. the bundled model)
    bounds: Bounds = Bounds()  # the longest question and history it reads

    def with_backend(self, backend: str, llm: LLMConfig) -> Assistant:
        """The same retrieval with another answer backend (its model loads on first use)."""
        if backend not in BACKENDS:
            raise AssistantError(
                f"Unknown backend {backend!r}; use one of: {', '.join(BACKENDS)}.")
        if backend == "extractive":
            return replace(self, backend=backend, model=None, note="")
        model, note = chat_model(replace(llm, backend=backend))
        return replace(self, backend=backend, model=model, note=note)

    def tuned(self, tuning: Tuning) -> Assistant:
        """The same index, decision and backend with another tuning (an ablation)."""
        retriever = self.retriever.model_copy(update={"tuning": tuning})
        checker = replace(self.checker, limits=tuning.support) if self.checker else None
        return replace(self, retriever=retriever, tuning=tuning, checker=checker)

    def ask(self, question: str, lang: str = "auto", k: int | None = None,
            history: Sequence[Turn] = ()) -> Answer:
        """Answer one question with citations, in the question's language."""
        return _final(self.stream(question, lang, k, history))

    def stream(self, question: str, lang: str = "auto", k: int | None = None,
               history: Sequence[Turn] = ()) -> Iterator[Event]:
        """Checked text as a generative backend's sentences pass the gate (nothing
        unchecked), then the verified answer."""
        started = time.perf_counter()
        text = clean_question(question, self.bounds.question_chars)
        language, notice = resolve_language(text, lang, self.tuning.reading)
        parsed = self.retriever.parse(text, language)
        searched = standalone(text, parsed.language, recent_turns(history, self.bounds),
                              self.tuning.follow_up, self.model)
        if searched != text:  # a follow-up, rewritten to stand alone: a question of its own,
            # whose earlier question is context, not a part it asks
            parsed = replace(self.retriever.parse(searched, parsed.language), text=text,
                             parts=(searched,))
        hits = self.retriever.candidates(parsed, k=k)
        retrieve_ms = _ms(started)
        answer = yield from self.respond(parsed, parsed.language, hits, notice, k)
        timings = answer.timings_ms | {"retrieve": retrieve_ms, "total": _ms(started)}
        yield replace(answer, timings_ms=timings)

    def answer(self, question: str | Query, language: Language, hits: list[Hit],
               notice: str = "") -> Answer:
        """The answer to a cleaned question from retrieved passages (no streaming)."""
        return _result(self.respond(question, language, hits, notice))

    def respond(self, question: str | Query, language: Language, hits: list[Hit],
                notice: str = "", k: int | None = None) -> Generator[str, None, Answer]:
        """Yield checked text (generative backends) and return the checked answer. The
        decision judges every passage retrieved; a model is given the first `k` (the
        retriever's k unless given) and any lower one the extractive answer quotes."""
        started = time.perf_counter()
        query = self.retriever.parse(question, language)
        index = self.retriever.index
        judged = judge(query, hits, index.evidence, self.decision, self.tuning.terms)
        extracted = self._extractive(query, hits, judged, notice)
        if self.model is None or extracted.abstained:
            answer = extracted  # no passage answers the question: no model can either
        else:
            given = for_model(hits, extracted.citations, k or self.retriever.k)
            answer = yield from self._generated(query.text, language, given, extracted)
        return replace(with_scope(answer), timings_ms={"answer": _ms(started)})

    def _extractive(self, query: Query, hits: list[Hit], judged: list[Judged],
                    notice: str) -> Answer:
        index = self.retriever.index
        body, citations = extractive(query, judged, self.tuning, index.manifest.documents)
        retrieved = {c.chunk.chunk_id: c.chunk for h in hits for c in (h, *h.items)}
        answer = Answer(
            question=query.text, language=query.language, text=body,
            citations=tuple(citations), abstained=not citations, backend="extractive",
            notice=notice, retrieved=tuple(retrieved),
            confidence=round(judged[0].probability, 4) if judged else 0.0,
        )
        answer, _ = verify(answer, retrieved)
        return answer

    def _generated(self, question: str, language: Language, hits: list[Hit],
                   extracted: Answer) -> Generator[str, None, Answer]:
        """Draft with the model and verify; `extracted` is the answer to fall back to."""
        assert self.model is not None and self.checker is not None
        records = self.retriever.index.manifest.documents
        later = of_kind(records, SUPPLEMENT)
        passages = numbered([h for h in hits if h.chunk.doc_id not in later])
        draft, gate = "", StreamGate(language, passages, self.checker)
        try:
            for token in answer_chain(self.model).stream(
                    answer_inputs(question, language, passages)):
                draft += token
                if added := gate.feed(draft):
                    yield added  # only sentences that passed the gate reach the user
        except Exception as err:  # a model or server failure falls back, never surfaces
            log.warning("the %s backend failed: %r", self.backend, err)
            return _fallback(extracted, _why(err, language), draft)
        checked = gate.result(draft)
        if not checked.citations:
            why = message("service.reason.unsupported" if draft.strip() else "service.reason.empty",
                          language)
            return _fallback(extracted, why, draft, checked)
        return self._checked(question, language, checked, extracted, passages, draft)

    def _checked(self, question: str, language: Language, checked: Checked, extracted: Answer,
                 passages: list[Hit], draft: str) -> Answer:
        """The verified generated answer: the period when it cites a time-bound passage, then
        its text, then the supplement's lines the extractive answer cited, under their header."""
        records = self.retriever.index.manifest.documents
        intro = dated_intro(checked.citations, language, records)
        extra, later = later_part(extracted.citations, language, len(checked.citations),
                                  records)
        return Answer(
            question=question, language=language,
            text="\n\n".join(p for p in (intro, checked.text, extra) if p),
            citations=(*checked.citations, *later), abstained=False, backend=self.backend,
            notice=_join(extracted.notice, self.note),
            retrieved=tuple(h.chunk.chunk_id for h in passages) + tuple(c.chunk_id for c in later),
            verification=checked.verification, dropped=checked.dropped, draft=draft)



def _fallback(extracted: Answer, why: str, draft: str, checked: Checked | None = None) -> Answer:
    """The extractive answer, with a notice saying why the model's answer was not used."""
    notice = message("service.fallback", extracted.language, why=why)
    return replace(extracted, notice=_join(extracted.notice, notice), draft=draft,
                   verification=checked.verification if checked else None,
                   dropped=checked.dropped if checked else ())


def _why(err: Exception, language: str) -> str:
    """Why a model call failed, in the answer's language."""
    name = type(err).__name__
    if isinstance(err, ModelTimeout) or "Timeout" in name:
        return message("service.reason.timeout", language)
    if "Connection" in name:
        return message("service.reason.connection", language)
    return message("service.reason.failed", language, name=name)


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _final(events: Iterator[Event]) -> Answer:
    """The answer at the end of a stream."""
    answers = [e for e in events if isinstance(e, Answer)]
    return answers[-1]


def _result(generator: Generator[str, None, Answer]) -> Answer:
    """Run a generator of draft tokens to its end and return the answer it returns."""
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            return stop.value


def load_assistant(index_dir: Path, embedder: str, backend: str = "extractive",
                   k: int = 5, llm: LLMConfig | None = None,
                   store: StoreConfig | None = None, bounds: Bounds | None = None) -> Assistant:
    """Open the index and the embedder that built it, the decision and the tuning for that
    embedder, and the backend's model."""
    if backend not in BACKENDS:
        raise AssistantError(f"Unknown backend {backend!r}; use one of: {', '.join(BACKENDS)}.")
    embeddings = make_embedder(embedder)
    index = open_index(index_dir, embedder, embeddings, store)
    tuning = load_tuning(embedder)
    gate = SupportChecker(embeddings, tuning.support, corpus_terms=index.corpus_terms)
    retriever = HybridRetriever(index=index, tuning=tuning, k=k)
    assistant = Assistant(retriever, load_model(embedder), tuning, "extractive", gate,
                          bounds=bounds or Bounds())
    return assistant.with_backend(backend, llm or LLMConfig(backend))
