"""The benchmark's workers (`python -m evals.bench --worker JSON`): one step of one system,
in a fresh interpreter of its own. Ours and the naive baseline each ingest into an empty
folder, serve from a built index, and answer with the local language model; each step
prints its result (times as wall-clock `<event>_at`, and its own peak memory) as the last
stdout line, for `evals.bench` to collect.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Only the standard library at the top: a worker's cold start must not pay for the parent's
# imports. Each function imports what it uses.
if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from assistant.core.types import Document
    from assistant.pipeline.llm import LLMConfig
    from assistant.pipeline.service import Assistant
    from evals.run import CaseResult
    from evals.systems import System

RESULT = "BENCH-RESULT "  # a worker's last stdout line, before its JSON
BASELINE_COLLECTION = "baseline"
NAIVE_K = 4  # the tutorial's top-k (NaiveRAG's default)
# LangChain's RAG tutorial prompt (rlm/rag-prompt): the naive baseline with a language model.
NAIVE_PROMPT = ("You are an assistant for question-answering tasks. Use the following pieces "
                "of retrieved context to answer the question. If you don't know the answer, "
                "just say that you don't know. Use three sentences maximum and keep the answer "
                "concise.\nQuestion: {question}\nContext: {context}\nAnswer:")


@dataclass(frozen=True)
class Job:
    """One worker's task, in plain values (only the parent reads the settings)."""

    system: str  # "ours" or "baseline"
    step: str  # "ingest", "serve" or "llm"
    folder: str  # the system's index folder
    corpus_dir: str
    sources_dir: str
    embedder: str
    question: str  # the cold-start question
    cases_file: str
    case_ids: tuple[str, ...]
    top_k: int = 5
    llm_model_path: str | None = None
    llm_timeout: float = 60.0
    llm_max_tokens: int = 400


def latency(values: list[float]) -> dict[str, float]:
    """p50 and p95 of a list of milliseconds."""
    from evals.scorers import percentile

    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2)}


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: unlike ru_maxrss, it
    does not inherit the parent's peak across fork and exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _documents(job: Job) -> list[Document]:
    from assistant.core.tuning import load_tuning
    from ingest.pipeline import load_documents

    layout = load_tuning(job.embedder).layout
    return load_documents(Path(job.corpus_dir), Path(job.sources_dir), layout, fetching=False)[0]


def _llm_config(job: Job) -> LLMConfig:
    from assistant.pipeline.llm import LLMConfig

    path = Path(job.llm_model_path) if job.llm_model_path else None
    return LLMConfig("llamacpp", path, timeout=job.llm_timeout, max_tokens=job.llm_max_tokens)


def _open_ours(job: Job, backend: str = "extractive") -> Assistant:
    from assistant.pipeline.service import load_assistant

    llm = _llm_config(job) if backend == "llamacpp" else None
    return load_assistant(Path(job.folder), job.embedder, backend, job.top_k, llm)


def evaluated(job: Job, system: System, embeddings: Embeddings | None) -> dict[str, Any]:
    """Run and score the job's cases through a system that has already answered once."""
    from assistant.core.errors import AssistantError
    from assistant.core.tuning import load_tuning
    from assistant.pipeline.support import SupportChecker
    from evals.cases import load_cases
    from evals.run import evaluate

    if embeddings is None:
        raise AssistantError("The index has no embedder; run `assistant ingest --rebuild`.")
    cases = load_cases(Path(job.cases_file), set(job.case_ids))
    texts = {d.doc_id: d.text for d in _documents(job)}
    checker = SupportChecker(embeddings, load_tuning(job.embedder).support)
    return scored(evaluate(system, cases, checker, texts))


def scored(results: list[CaseResult]) -> dict[str, Any]:
    """Warm latency (retrieval, retrieval + answer) and quality of one system's results."""
    from evals.run import retrieval_summary, summarise

    summary = summarise(results)
    recall: dict[str, float | None] = {
        pair: row["recall@5"] for pair, row in retrieval_summary(results).items()}
    answerable = [r.scores["recall@5"] for r in results if r.case.answerable]
    recall["overall"] = sum(answerable) / len(answerable) if answerable else None
    return {"cases": len(results), "passed": summary["passed"],
            "retrieve_ms": latency([r.scores["retrieve_ms"] for r in results]),
            "answer_ms": latency([r.scores["retrieve_ms"] + r.scores["answer_ms"]
                                  for r in results]),
            "recall@5": recall, "faithfulness": summary["faithfulness"]}


def ours_ingest(job: Job) -> dict[str, Any]:
    """Ingest into an empty folder, then open the index and answer one question."""
    from assistant.storage.embeddings import make_embedder
    from ingest.pipeline import ingest

    report = ingest(Path(job.corpus_dir), Path(job.folder), embedder=job.embedder,
                    embeddings=partial(make_embedder, job.embedder),
                    sources_dir=Path(job.sources_dir))
    ingested_at = time.time()
    _open_ours(job).ask(job.question)
    return {"ingested_at": ingested_at, "first_answer_at": time.time(),
            "chunks": report.chunk_count, "vectors": report.embedded}


def ours_serve(job: Job) -> dict[str, Any]:
    """Open the built index, answer one question (cold), then the cases (warm)."""
    from evals.systems import Pipeline

    assistant = _open_ours(job)
    assistant.ask(job.question)
    answered_at = time.time()
    embeddings = assistant.retriever.index.store.embeddings
    return {"first_answer_at": answered_at,
            **evaluated(job, Pipeline(assistant), embeddings)}


def ours_llm(job: Job) -> dict[str, Any]:
    """The cases through the llamacpp backend (after one untimed answer loads the model)."""
    from evals.systems import Pipeline

    assistant = _open_ours(job, "llamacpp")
    assistant.ask(job.question)
    return evaluated(job, Pipeline(assistant), assistant.retriever.index.store.embeddings)


def persist(store: Chroma, folder: Path) -> None:
    """Copy the baseline's in-memory collection, vectors included, into a Chroma folder
    (what the tutorial's `persist_directory` keeps)."""
    import chromadb

    stored = store.get(include=["embeddings", "documents", "metadatas"])
    client = chromadb.PersistentClient(str(folder),
                                       chromadb.Settings(anonymized_telemetry=False))
    client.create_collection(BASELINE_COLLECTION).add(
        ids=stored["ids"], embeddings=stored["embeddings"], documents=stored["documents"],
        metadatas=stored["metadatas"])


def open_baseline(job: Job) -> Chroma:
    """The baseline's persisted Chroma folder, with the embedder that filled it."""
    import chromadb
    from langchain_chroma import Chroma

    from assistant.storage.embeddings import make_embedder

    client = chromadb.PersistentClient(job.folder, chromadb.Settings(anonymized_telemetry=False))
    return Chroma(collection_name=BASELINE_COLLECTION, client=client,
                  embedding_function=make_embedder(job.embedder))


def naive_answer(store: Chroma, question: str, k: int = NAIVE_K) -> str:
    """The tutorial's answer: the top-k chunks."""
    return "\n".join(d.page_content for d in store.similarity_search(question, k=k))


def naive_generated(store: Chroma, model: BaseChatModel, question: str,
                    k: int = NAIVE_K) -> str:
    """The tutorial's answer with a language model: the top-k chunks stuffed into its prompt."""
    context = "\n\n".join(d.page_content for d in store.similarity_search(question, k=k))
    return str(model.invoke(NAIVE_PROMPT.format(question=question, context=context)).content)


def baseline_ingest(job: Job) -> dict[str, Any]:
    """Split, embed and store the corpus the tutorial way, persist it, answer one question."""
    from assistant.storage.embeddings import make_embedder
    from evals.systems import NaiveRAG

    rag = NaiveRAG(_documents(job), make_embedder(job.embedder))
    persist(rag.store, Path(job.folder))
    ingested_at = time.time()
    naive_answer(rag.store, job.question)
    return {"ingested_at": ingested_at, "first_answer_at": time.time(),
            "chunks": len(rag.blocks)}


def stored_baseline(store: Chroma, documents: list[Document]) -> System:
    """The evaluation's NaiveRAG over the persisted store (nothing embedded again)."""
    from evals.systems import NaiveRAG, covered_blocks

    rag = NaiveRAG.__new__(NaiveRAG)
    stored = store.get(include=["documents", "metadatas"])
    by_id = {d.doc_id: d for d in documents}
    rag.store, rag.k = store, NAIVE_K
    rag.blocks = {i: covered_blocks(text, by_id[str(meta["doc_id"])]) for i, text, meta
                  in zip(stored["ids"], stored["documents"], stored["metadatas"], strict=True)}
    return rag


def baseline_serve(job: Job) -> dict[str, Any]:
    """Open the persisted store, answer one question (cold), then the cases (warm)."""
    store = open_baseline(job)
    naive_answer(store, job.question)
    answered_at = time.time()
    system = stored_baseline(store, _documents(job))
    return {"first_answer_at": answered_at, **evaluated(job, system, store.embeddings)}


def _ms(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def baseline_llm(job: Job) -> dict[str, Any]:
    """Retrieval plus the tutorial prompt through the same model, on the job's cases
    (uncited prose, so no faithfulness: the claim check needs citations)."""
    from assistant.pipeline.llm import chat_model
    from evals.cases import load_cases

    store, model = open_baseline(job), chat_model(_llm_config(job))[0]
    naive_generated(store, model, job.question)  # loads the model: not timed
    cases = load_cases(Path(job.cases_file), set(job.case_ids))
    times = [_ms(partial(naive_generated, store, model, c.question)) for c in cases]
    return {"cases": len(times), "answer_ms": latency(times)}


WORKERS: dict[tuple[str, str], Callable[[Job], dict[str, Any]]] = {
    ("ours", "ingest"): ours_ingest, ("ours", "serve"): ours_serve, ("ours", "llm"): ours_llm,
    ("baseline", "ingest"): baseline_ingest, ("baseline", "serve"): baseline_serve,
    ("baseline", "llm"): baseline_llm,
}


def work(raw: str) -> int:
    """Run one job (the JSON of a `Job`) and print its result as the last stdout line."""
    values = json.loads(raw)
    job = Job(**values | {"case_ids": tuple(values["case_ids"])})
    out = WORKERS[job.system, job.step](job) | {"peak_rss_mb": peak_rss_mb()}
    print(RESULT + json.dumps(out), flush=True)
    return 0
