"""Structure-aware chunks: one per paragraph or bullet, heading path, stable content ids."""

from __future__ import annotations

from dataclasses import replace

from ingest.chunking import chunk_document
from ingest.loaders import load_corpus, parse_markdown
from tests.conftest import CORPUS


def _sv():
    return next(d for d in load_corpus(CORPUS) if d.language == "sv")


def test_one_chunk_per_block_and_bullets_whole():
    doc = _sv()
    chunks = chunk_document(doc)
    assert [c.block_id for c in chunks] == [b.block_id for b in doc.blocks]
    report = next(c for c in chunks if c.block_id == "mal-nationell-8")
    assert report.text.startswith("I slutet av varje år")
    assert report.text.endswith("rapporterna till Unesco.")


def test_chunk_carries_heading_path_language_and_context():
    report = next(c for c in chunk_document(_sv()) if c.block_id == "mal-nationell-8")
    assert report.heading_path == ("Mål för de kreativa städerna i Sverige",
                                   "Mål på nationell nivå")
    assert report.language == "sv" and report.doc_id == "riktlinjer-kreativa-stader"
    assert "Mål på nationell nivå" in report.indexed_text
    assert "På nationell nivå ska de kreativa städerna:" in report.indexed_text


def test_footnote_text_is_indexed_with_the_citing_passage():
    chunks = {c.block_id: c for c in chunk_document(_sv())}
    assert "biosfärområden" in chunks["mal-nationell-7"].indexed_text
    assert "biosfärområden" not in chunks["mal-nationell-7"].text


def test_ids_are_stable_and_change_with_content():
    doc = _sv()
    first = [c.chunk_id for c in chunk_document(doc)]
    assert first == [c.chunk_id for c in chunk_document(doc)]
    assert len(set(first)) == len(first)
    edited = replace(doc, blocks=(replace(doc.blocks[0], text="Ändrad text."), *doc.blocks[1:]))
    changed = [c.chunk_id for c in chunk_document(edited)]
    assert changed[0] != first[0] and changed[1:] == first[1:]


def test_translation_shares_passage_keys():
    guideline = [d for d in load_corpus(CORPUS) if d.kind == "guideline"]
    sv, en = (chunk_document(d) for d in sorted(guideline, key=lambda d: d.language))
    assert [c.passage_key for c in sv] == [c.passage_key for c in en]


def test_empty_blocks_are_skipped():
    doc = parse_markdown("## A\n\n{#empty}\n\nText. {#t}\n")
    assert [c.block_id for c in chunk_document(doc)] == ["t"]
