"""`assistant ingest --questions` (doc2query, filtered as in Doc2Query--) with real components:
the bundled Gemma 3 270M run in-process by llama.cpp (a small token budget), the e5 index of
a copy of the corpus in which one guideline passage changed, and the CLI.

The bundled model is a base model: asked for questions it mostly echoes its prompt, so what
it keeps may be nothing; the filter, the saving and the indexing of kept questions are
therefore also run on a paraphrase and an off-topic question written here."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.core.tuning import load_tuning
from assistant.core.types import Chunk
from assistant.front.cli import main
from assistant.pipeline.llm import LLMConfig
from ingest.bank import BANK_DIR, BankEntry, load_bank, originals, passage_hash
from ingest.pipeline import IngestReport
from ingest.question_filter import (
    MAX_CHARS,
    NOT_A_QUESTION,
    NOT_IN_TOP,
    OTHER_DOCUMENT,
    REASONS,
    PassageResult,
    filter_retriever,
    judge,
    parse_reply,
    sift,
)
from ingest.questions import (
    QuestionsReport,
    Target,
    model_label,
    progress_line,
    question_model,
    save_results,
    summary_lines,
    write_questions,
)
from tests.conftest import CORPUS, Cli

GUIDELINE = "riktlinjer-kreativa-stader"
KEY = f"{GUIDELINE}#moten-2"
BEFORE = "Vart fjärde år ska de kreativa städerna rapportera om sitt arbete till Unesco."
AFTER = ("Vart fjärde år ska de kreativa städerna skriftligen rapportera om sitt arbete till "
         "Unesco.")
MAX_TOKENS = 96  # a few seconds of Gemma on two cores
PARAPHRASES = (("sv", "Hur ofta måste de kreativa städerna rapportera till Unesco?"),
               ("en", "How often must the creative cities report to UNESCO?"))
OFF_TOPIC = ("sv", "När blev Göteborg litteraturstad?")  # the supplement's Göteborg passage


@dataclass(frozen=True)
class Flow:
    """One run of `write_questions` with Gemma, and what it left behind."""

    target: Target
    report: QuestionsReport
    by: str
    lines: list[str]
    chunk: Chunk  # the changed passage, as indexed
    indexed: frozenset[str]  # passage keys with bank questions in the index afterwards
    saved: BankEntry | None  # the passage's bank line afterwards


def _corpus(folder: Path) -> Path:
    """A copy of the corpus (guideline and supplement banks only) with KEY's text changed."""
    shutil.copytree(CORPUS, folder)
    for path in (folder / BANK_DIR).glob("unesco-*.jsonl"):
        path.unlink()
    guideline = folder / f"{GUIDELINE}.sv.md"
    text = guideline.read_text("utf-8")
    assert BEFORE in text
    guideline.write_text(text.replace(BEFORE, AFTER), "utf-8")
    return folder


def _copy(target: Target, root: Path) -> Target:
    """The same corpus and index in another folder (the index's `current` link is relative)."""
    corpus, index = root / "corpus", root / "data" / "index"
    shutil.copytree(target.corpus_dir, corpus)
    shutil.copytree(target.index_dir, index, symlinks=True)
    return Target(corpus, index, target.embedder, target.embeddings)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, e5: Embeddings) -> Flow:
    root = tmp_path_factory.mktemp("questions")
    shutil.copytree(data_dir / "index", root / "index", symlinks=True)  # reused vectors
    target = Target(_corpus(root / "corpus"), root / "index", "e5", e5)
    config = LLMConfig("llamacpp", max_tokens=MAX_TOKENS)
    model, _ = question_model(config)
    lines: list[str] = []
    report = write_questions(target, model, model_label(config, model), say=lines.append)
    index = target.open()
    return Flow(target, report, model_label(config, model), lines,
                originals(index.chunks.values())[KEY], frozenset(index.bank.by_passage),
                load_bank(target.corpus_dir / BANK_DIR).get(KEY))


def test_reply_lines_become_questions_in_their_language():
    reply = "\n".join([
        "Here are the questions:", "sv: Vem betalar?", "EN: Who pays for the network?",
        "- sv: 1. Hur ofta ska städerna rapportera?", 'en: "Reporting language?"',
        "**sv:** Vem betalar?", "Vem betalar? (no prefix)", "fr: Qui paie?"])
    parsed = parse_reply(reply)
    assert parsed.questions == (("sv", "Vem betalar?"), ("en", "Who pays for the network?"),
                                ("sv", "Hur ofta ska städerna rapportera?"),
                                ("en", "Reporting language?"))
    assert parsed.rejected == ()


def test_empty_long_and_non_question_lines_are_rejected():
    longest = "Why " + "x" * (MAX_CHARS - 5) + "?"
    reply = "\n".join(["sv:", "en:  [/INST]", "sv: Nätverket finansieras av extrabudgetära medel.",
                       "en: Funding?", f"en: {longest}", f"en: Why {longest}"])
    parsed = parse_reply(reply)
    assert len(longest) == MAX_CHARS and parsed.questions == (("en", longest),)
    assert parsed.rejected == ("", "[/INST]", "Nätverket finansieras av extrabudgetära medel.",
                               "Funding?", f"Why {longest}")


def test_the_summary_counts_each_reason_and_names_the_fix():
    first = IngestReport(False, 0, (), None, 0.0)
    results = (PassageResult("d#a", "r", (("sv", "Vem?"),), ((NOT_IN_TOP, "x?"),
                                                            (NOT_A_QUESTION, "y"))),
               PassageResult("d#b", "r", (), ((OTHER_DOCUMENT, "z?"),)),
               PassageResult("d#c", error="OpenAIConnectionError: Connection error."))
    text = "\n".join(summary_lines(QuestionsReport(first, results), "set THE_FIX"))
    assert "3 passages asked, 4 questions generated" in text
    assert all(f"1 {reason}" in text for reason in REASONS) and "kept 1." in text
    assert "1 passages got no question" in text and "1 of 3 passages failed: set THE_FIX" in text
    assert progress_line(3, 3, results[2]).endswith("failed: OpenAIConnectionError: Connection "
                                                    "error.")


def test_gemma_is_asked_and_every_question_it_wrote_is_counted(flow: Flow):
    report = flow.report
    assert report.first.bank is not None and report.first.bank.stale == (KEY,)
    [result] = report.results
    assert result.key == KEY and result.error == ""
    assert result.reply.strip(), "the model was called and wrote something"
    parsed = parse_reply(result.reply)
    assert result.generated == len(parsed.questions) + len(parsed.rejected)
    assert sorted(text for _, text in result.kept + result.dropped) == sorted(
        [text for _, text in parsed.questions] + list(parsed.rejected))
    assert report.generated == report.kept + sum(report.dropped(r) for r in REASONS)
    assert flow.lines == [progress_line(1, 1, result)]
    assert flow.by.startswith("llamacpp gemma-3-270m")


def test_what_gemma_kept_is_saved_with_the_current_hash_and_indexed(flow: Flow):
    [result] = flow.report.results
    if result.kept:
        assert flow.saved is not None and flow.saved.hash == passage_hash(flow.chunk)
        assert sorted(flow.saved.sv + flow.saved.en) == sorted(t for _, t in result.kept)
        assert flow.saved.by == flow.by and KEY in flow.indexed
        assert flow.report.final is not None and flow.report.final.bank is not None
        assert KEY not in flow.report.final.bank.stale
    else:  # nothing written: the old line stays stale, and is not indexed
        assert flow.report.written == () and flow.report.final is None
        assert flow.saved is not None and flow.saved.hash != passage_hash(flow.chunk)
        assert KEY not in flow.indexed


def test_a_paraphrase_is_kept_and_indexed_an_off_topic_question_dropped(flow: Flow,
                                                                         tmp_path: Path):
    target = _copy(flow.target, tmp_path)
    index = target.open()
    retriever = filter_retriever(index, load_tuning("e5"))
    assert judge(retriever, KEY, OFF_TOPIC) in (OTHER_DOCUMENT, NOT_IN_TOP)
    assert all(judge(retriever, KEY, q) is None for q in PARAPHRASES)
    reply = "\n".join(f"{lang}: {text}" for lang, text in (*PARAPHRASES, OFF_TOPIC))
    result = sift(retriever, KEY, reply + "\nen: The network meets yearly.")
    assert result.kept == PARAPHRASES
    reasons = {text: why for why, text in result.dropped}
    assert reasons.keys() == {OFF_TOPIC[1], "The network meets yearly."}
    assert reasons["The network meets yearly."] == NOT_A_QUESTION
    assert reasons[OFF_TOPIC[1]] in (OTHER_DOCUMENT, NOT_IN_TOP)
    written = save_results(target.corpus_dir, [result], originals(index.chunks.values()), "t")
    assert written == [target.corpus_dir / BANK_DIR / f"{GUIDELINE}.jsonl"]
    final = target.ingest()
    assert final.bank is not None and final.bank.stale == () and final.embedded == 2
    entry = load_bank(target.corpus_dir / BANK_DIR)[KEY]
    assert entry.hash == passage_hash(flow.chunk) and (entry.sv + entry.en) == tuple(
        text for _, text in PARAPHRASES)
    questions = target.open().bank.by_passage[KEY]
    assert sorted(q.text for q in questions) == sorted(text for _, text in PARAPHRASES)


def test_cli_refuses_questions_with_the_extractive_backend(cli: Cli, tmp_path: Path):
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_BACKEND": "extractive"}
    done = cli(env, "ingest", "--questions")
    assert done.returncode == 2 and "ASSISTANT_BACKEND=llamacpp" in done.stderr
    assert not (tmp_path / "data").exists(), "refused before ingesting"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_model_server_is_reported_and_exits_1(
        flow: Flow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    target = _copy(flow.target, tmp_path)
    guideline = target.corpus_dir / f"{GUIDELINE}.sv.md"  # changed again: KEY is stale
    guideline.write_text(guideline.read_text("utf-8").replace(AFTER, BEFORE[:-1] + " i tid."),
                         "utf-8")
    before = (target.corpus_dir / BANK_DIR / f"{GUIDELINE}.jsonl").read_text("utf-8")
    for name in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)
    for name, value in {"CORPUS_DIR": target.corpus_dir, "DATA_DIR": tmp_path / "data",
                        "SOURCES_DIR": tmp_path / "none", "BACKEND": "openai",
                        "OPENAI_BASE_URL": f"http://127.0.0.1:{_free_port()}/v1"}.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    assert main(["ingest", "--questions"]) == 1
    out = capsys.readouterr().out
    assert f"[1/1] {KEY}: failed:" in out and "ASSISTANT_OPENAI_BASE_URL" in out
    assert (target.corpus_dir / BANK_DIR / f"{GUIDELINE}.jsonl").read_text("utf-8") == before
