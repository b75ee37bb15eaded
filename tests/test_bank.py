"""The question bank: every passage has its questions in both languages, keyed by its content
hash; a changed passage's questions are stale and not indexed; the bank's own lists find a
passage by the questions it answers, and a question can be left out of them."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.core.tuning import load_tuning
from assistant.pipeline.query import parse
from assistant.pipeline.retrieve import HybridRetriever
from assistant.storage.index import open_index
from ingest.bank import BANK_DIR, LANGUAGES, load_bank, match_bank, originals
from ingest.chunking import chunk_corpus
from ingest.pipeline import ingest, load_documents
from tests.conftest import CORPUS, SHARED_SOURCES

MIN_PER_LANGUAGE = 4


def test_every_passage_of_every_document_has_its_questions():
    documents, _ = load_documents(CORPUS, SHARED_SOURCES, load_tuning("e5").layout,
                                  fetching=False)
    chunks = chunk_corpus(documents)
    bank = load_bank(CORPUS / BANK_DIR)
    status = match_bank(chunks, bank)
    assert status.stale == () and status.missing == ()
    short = [key for key in originals(chunks)
             if any(len(getattr(bank[key], lang)) < MIN_PER_LANGUAGE for lang in LANGUAGES)]
    assert short == []
    assert len(status.questions) >= 8 * len(originals(chunks))


def test_a_changed_passage_shows_its_questions_as_stale(tmp_path: Path, e5):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    guideline = corpus / "riktlinjer-kreativa-stader.sv.md"
    text = guideline.read_text("utf-8")
    guideline.write_text(text.replace("omfattar idag 180 städer", "omfattar idag 181 städer"),
                         "utf-8")
    report = ingest(corpus, tmp_path / "index", embedder="e5", embeddings=lambda: e5)
    assert report.bank is not None
    assert report.bank.stale == ("riktlinjer-kreativa-stader#natverket-8",)
    index = open_index(tmp_path / "index", "e5", e5)
    assert "riktlinjer-kreativa-stader#natverket-8" not in index.bank.by_passage
    assert index.manifest.bank["stale"] == ["riktlinjer-kreativa-stader#natverket-8"]


def test_the_bank_finds_a_passage_by_the_questions_it_answers(index):
    retriever = HybridRetriever(index=index, tuning=load_tuning("e5"))
    question = next(q for q in index.bank.questions if q.language == "sv")
    vector = index.store.embeddings.embed_query(question.text)
    assert index.bank.dense(vector)[question.passage_key] > 0.99  # it finds itself
    left_out = index.bank.dense(vector, exclude={question.qid})
    assert left_out[question.passage_key] < 0.99
    keys = [key for key, _ in index.bank.lexical(question.text, "sv", 5, 4)]
    assert question.passage_key in keys
    hits = retriever.hits(parse(question.text, retriever.tuning.reading, "sv"), k=5)
    assert hits[0].bank > 0.99 and hits[0].chunk.passage_key == question.passage_key


def test_bank_vectors_are_reused_by_the_next_build(tmp_path: Path, e5):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    first = ingest(corpus, tmp_path / "index", embedder="e5", embeddings=lambda: e5)
    (corpus / "extra.md").write_text("---\ndoc_id: extra\nlanguage: en\n---\n\n## Note\n\n"
                                     "A short extra note. {#note-1}\n", "utf-8")
    second = ingest(corpus, tmp_path / "index", embedder="e5", embeddings=lambda: e5)
    assert first.bank is not None and second.bank is not None
    assert second.embedded < 5 and second.copied >= len(first.bank.questions)
    assert second.bank.missing == ("extra#note-1",)
