"""Write the question bank's missing questions with a language model (doc2query, as RAGFlow's
auto-question and LlamaIndex's QuestionsAnsweredExtractor do), filtered as in Doc2Query--
(`ingest/question_filter.py`).

`assistant ingest --questions`: the normal ingest; then, for each passage whose questions are
stale or missing, the prompt `assistant/prompts/questions.md` -> the configured model ->
its "sv:"/"en:" lines -> the filter -> `corpus/questions/<family>.jsonl`; then an ingest
that embeds the new questions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import AssistantError
from ingest.bank import BANK_DIR, LANGUAGES, BankEntry, originals, passage_hash, save_entries
from ingest.pipeline import IngestReport, ingest
from ingest.question_filter import REASONS, PassageResult, filter_retriever, sift

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from assistant.core.settings import Settings
    from assistant.core.tuning import Tuning
    from assistant.core.types import Chunk
    from assistant.pipeline.llm import LLMConfig
    from assistant.pipeline.retrieve import HybridRetriever
    from assistant.storage.index import SearchIndex
    from assistant.storage.store import StoreConfig

PER_LANGUAGE = 4  # questions asked for in each language
NO_MODEL = ("`assistant ingest --questions` writes questions with a language model, but the "
            "backend is extractive; set ASSISTANT_BACKEND=llamacpp (a local GGUF model) or "
            "ASSISTANT_BACKEND=openai (an OpenAI-compatible server) and run it again.")


@dataclass(frozen=True)
class QuestionsReport:
    """What `ingest --questions` did: both ingests, each passage's outcome, files written."""

    first: IngestReport
    results: tuple[PassageResult, ...] = ()
    written: tuple[Path, ...] = ()
    final: IngestReport | None = None

    @property
    def generated(self) -> int:
        """Questions the model wrote, over every passage."""
        return sum(r.generated for r in self.results)

    @property
    def kept(self) -> int:
        """Questions that passed the filter and were saved."""
        return sum(len(r.kept) for r in self.results)

    def dropped(self, reason: str) -> int:
        """Questions dropped for one reason."""
        return sum(why == reason for r in self.results for why, _ in r.dropped)

    @property
    def failed(self) -> tuple[PassageResult, ...]:
        """The passages whose model call failed."""
        return tuple(r for r in self.results if r.error)


@dataclass(frozen=True)
class Target:
    """The corpus, its index and the embedder the index is built with."""

    corpus_dir: Path
    index_dir: Path
    embedder: str
    embeddings: Embeddings
    sources_dir: Path | None = None
    store: StoreConfig | None = None

    def ingest(self) -> IngestReport:
        """An ingest (only what changed is embedded)."""
        return ingest(self.corpus_dir, self.index_dir, embedder=self.embedder,
                      embeddings=lambda: self.embeddings, sources_dir=self.sources_dir,
                      store=self.store)

    def open(self) -> SearchIndex:
        """The current build, opened."""
        from assistant.storage.index import open_index

        return open_index(self.index_dir, self.embedder, self.embeddings, self.store)


def prompt_inputs(chunk: Chunk) -> dict[str, object]:
    """The questions prompt's variables for a passage (its text as a reader sees it)."""
    section = " > ".join(chunk.heading_path) or chunk.label
    return {"per_language": PER_LANGUAGE, "document": chunk.title, "section": section,
            "passage": chunk.source_text}


def ask_model(model: BaseChatModel, chunk: Chunk) -> str:
    """The model's reply to the questions prompt for one passage."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from assistant.pipeline.generate import prompt_text

    prompt = ChatPromptTemplate.from_messages([("human", prompt_text("questions"))])
    return str((prompt | model | StrOutputParser()).invoke(prompt_inputs(chunk)))


def describe(err: Exception) -> str:
    """A one-line account of a failed model call."""
    text = str(err) if isinstance(err, AssistantError) else f"{type(err).__name__}: {err}"
    return " ".join(text.split())[:240]


def write_passage(retriever: HybridRetriever, model: BaseChatModel, chunk: Chunk
                  ) -> PassageResult:
    """Ask the model about one passage and filter its questions; a failed call is reported."""
    try:
        reply = ask_model(model, chunk)
    except Exception as err:  # one passage's failure is reported; the others go on
        return PassageResult(chunk.passage_key, error=describe(err))
    return sift(retriever, chunk.passage_key, reply)


def pending(report: IngestReport) -> tuple[str, ...]:
    """The passage keys whose bank questions are stale or missing."""
    return (report.bank.stale + report.bank.missing) if report.bank else ()


def progress_line(n: int, total: int, result: PassageResult) -> str:
    """One passage's line while the bank is written."""
    if result.error:
        return f"  [{n}/{total}] {result.key}: failed: {result.error}"
    return f"  [{n}/{total}] {result.key}: {result.generated} questions, {len(result.kept)} kept"


def generate(index: SearchIndex, tuning: Tuning, model: BaseChatModel, keys: Sequence[str],
             say: Callable[[str], None]) -> list[PassageResult]:
    """Each passage's questions, written by the model and filtered, with a line for each."""
    retriever = filter_retriever(index, tuning)
    chunks = originals(index.chunks.values())
    results = []
    for n, key in enumerate(keys, start=1):
        results.append(write_passage(retriever, model, chunks[key]))
        say(progress_line(n, len(keys), results[-1]))
    return results


def bank_entry(result: PassageResult, chunk: Chunk, by: str) -> BankEntry:
    """The bank line of a passage's kept questions, keyed by its current content hash."""
    lists = {lang: tuple(text for q_lang, text in result.kept if q_lang == lang)
             for lang in LANGUAGES}
    return BankEntry(chunk.family, chunk.block_id, passage_hash(chunk), lists["sv"],
                     lists["en"], by)


def save_results(corpus_dir: Path, results: Sequence[PassageResult], chunks: dict[str, Chunk],
                 by: str) -> list[Path]:
    """Save the passages' kept questions into the corpus's bank files (none: nothing written)."""
    entries = [bank_entry(r, chunks[r.key], by) for r in results if r.kept]
    return save_entries(corpus_dir / BANK_DIR, entries) if entries else []


def _silent(line: str) -> None:
    """Say nothing."""


def write_questions(target: Target, model: BaseChatModel, by: str,
                    first: IngestReport | None = None,
                    say: Callable[[str], None] = _silent) -> QuestionsReport:
    """Ingest (unless `first` is that ingest), write and filter questions for the passages
    without current ones, save the kept ones and ingest again to index them."""
    first = first or target.ingest()
    keys = pending(first)
    if not keys:
        return QuestionsReport(first)
    from assistant.core.tuning import load_tuning

    index = target.open()
    results = generate(index, load_tuning(target.embedder), model, keys, say)
    chunks = originals(index.chunks.values())
    written = save_results(target.corpus_dir, results, chunks, by)
    final = target.ingest() if written else None
    return QuestionsReport(first, tuple(results), tuple(written), final)


def question_model(config: LLMConfig) -> tuple[BaseChatModel, str]:
    """The configured chat model and its note; the extractive backend has none to ask."""
    if config.backend == "extractive":
        raise AssistantError(NO_MODEL)
    from assistant.pipeline.llm import chat_model

    return chat_model(config)


def model_label(config: LLMConfig, model: BaseChatModel) -> str:
    """Who wrote the questions (the bank's `by`): the backend and the model's name."""
    from assistant.pipeline.llm import LlamaCppChat

    name = model.model_path.name if isinstance(model, LlamaCppChat) else config.model
    return f"{config.backend} {name}"


def fix_hint(config: LLMConfig) -> str:
    """What to check when the model calls fail."""
    if config.backend == "openai":
        return (f"is the model server at {config.base_url} running? Start it, or set "
                "ASSISTANT_OPENAI_BASE_URL to where it listens (ASSISTANT_LLM_TIMEOUT for a "
                "slow one)")
    return ("check ASSISTANT_LLM_MODEL_PATH (a .gguf file), or raise ASSISTANT_LLM_TIMEOUT "
            "for a slow model")


def summary_lines(report: QuestionsReport, hint: str) -> list[str]:
    """The counts, where the questions went, and what to do about failures."""
    dropped = ", ".join(f"{report.dropped(reason)} {reason}" for reason in REASONS)
    lines = [f"Question bank: {len(report.results)} passages asked, {report.generated} "
             f"questions generated; dropped: {dropped}; kept {report.kept}."]
    lines += [f"  wrote {path}" for path in report.written]
    if report.final is not None:
        lines.append(f"  indexed the new questions: {report.final.embedded} vectors embedded, "
                     f"{report.final.copied} reused")
    empty = sum(not r.kept and not r.error for r in report.results)
    if empty:
        lines.append(f"  {empty} passages got no question that passed the filter and still "
                     "have none; a larger model writes better ones (ASSISTANT_LLM_MODEL_PATH, "
                     "or the openai backend).")
    if report.failed:
        lines.append(f"  {len(report.failed)} of {len(report.results)} passages failed: "
                     f"{hint}.")
    return lines


def _say(line: str) -> None:
    """Print a progress line at once."""
    print(line, flush=True)


def run_questions(settings: Settings, config: LLMConfig, model: BaseChatModel, note: str,
                  first: IngestReport) -> int:
    """The CLI step after the normal ingest: 0 when done, 1 when every model call failed."""
    if not pending(first):
        print("Question bank: every passage has current questions; nothing to write.")
        return 0
    from assistant.storage.embeddings import make_embedder
    from assistant.storage.store import StoreConfig

    if note:
        print(note, file=sys.stderr)
    target = Target(settings.corpus_dir, settings.index_dir, settings.embedder,
                    make_embedder(settings.embedder), settings.sources_dir,
                    StoreConfig.from_settings(settings))
    report = write_questions(target, model, model_label(config, model), first, _say)
    print("\n".join(summary_lines(report, fix_hint(config))))
    return 1 if len(report.failed) == len(report.results) else 0


def question_writer(settings: Settings) -> Callable[[IngestReport], int]:
    """For `ingest --questions`: the step to run after the ingest, checked before it (the
    extractive backend is refused at once)."""
    from assistant.pipeline.llm import LLMConfig

    config = LLMConfig.from_settings(settings)
    model, note = question_model(config)
    return partial(run_questions, settings, config, model, note)
