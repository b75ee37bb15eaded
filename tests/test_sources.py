"""The referenced documents: the sources manifest, legal-text structure, incremental
indexing, authority order, and article-level citations over ../shared/corpus."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fpdf import FPDF
from langchain_core.embeddings import Embeddings

from assistant.core.tuning import load_tuning
from assistant.pipeline.service import Assistant, load_assistant
from assistant.storage.index import open_index
from assistant.storage.manifest import current_build
from ingest.legal import parse_legal
from ingest.pipeline import ingest
from ingest.sources import Source, fetch, load_manifest
from tests.conftest import CORPUS, SHARED_SOURCES

SHARED = SHARED_SOURCES
LAYOUT = load_tuning("e5").layout
MINI = """Convention on Examples
Paris, 1 January 2001
The General Conference,
Recalling that examples matter,
Adopts this Convention on 1 January 2001.
I. General provisions
Article 1 – Purposes
The purposes of this Convention are:
(a) to give examples;
(b) to keep them short.
Article 2 – Reports
1. Each Party shall report to the Committee every four years.
2. The Committee may publish the reports.
"""
TOML = """[[source]]
id = "{id}"
prefix = "{prefix}"
title = "Convention on Examples {n}"
short = "Example Convention {n}"
publisher = "UNESCO"
language = "en"
date = "2001-01-01"
kind = "convention"
authority = 2
url = "https://example.org/{id}"
file = "{id}.en.txt"
aliases = ["Example Convention {n}"]
"""


class Counting(Embeddings):
    """The real embedder, counting the texts it embeds."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner, self.texts = inner, []  # type: ignore[var-annotated]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _setup(tmp_path: Path, ids: tuple[str, ...] = ("ex1", "ex2")) -> tuple[Path, Path]:
    corpus, sources = tmp_path / "corpus", tmp_path / "sources"
    shutil.copytree(CORPUS, corpus)
    sources.mkdir()
    entries = [TOML.format(id=i, prefix=i, n=n) for n, i in enumerate(ids, start=1)]
    (corpus / "sources.toml").write_text("\n".join(entries), encoding="utf-8")
    for i in ids:
        (sources / f"{i}.en.txt").write_text(MINI, encoding="utf-8")
    return corpus, sources


def test_legal_text_is_cited_by_article_paragraph_and_item():
    mini = [(None, ln) for ln in MINI.splitlines()]
    blocks = {b.block_id: b for b in parse_legal(mini, "x", LAYOUT)}
    assert blocks["x-art2-1"].label == "Article 2.1"
    assert blocks["x-art1-a"].label == "Article 1(a)"
    assert blocks["x-art1-a"].lead_in == "The purposes of this Convention are:"
    assert blocks["x-preamble-1"].label == "Preamble"
    assert not any("Paris, 1 January" in b.text for b in blocks.values()), "title lines skipped"
    shared = SHARED / "unesco-1980-recommendation-status-of-the-artist.en.txt"
    lines = [(None, ln) for ln in shared.read_text(encoding="utf-8").splitlines()]
    recommendation = {b.block_id: b for b in parse_legal(lines, "r1980", LAYOUT)}
    assert recommendation["r1980-III-4"].label == "III.4"
    assert "trade unions" in recommendation["r1980-III-4"].text


def test_manifest_names_every_referenced_document_with_its_official_source():
    sources = load_manifest(CORPUS / "sources.toml")
    assert len(sources) == 9 and len({s.id for s in sources}) == 9
    assert all(s.url.startswith("https://") and s.file and s.kind for s in sources)
    assert {s.file for s in sources} >= {p.name for p in SHARED.glob("*.txt")}


def test_changed_document_re_embeds_only_itself(tmp_path: Path, e5):
    corpus, sources = _setup(tmp_path)
    index_dir, counting = tmp_path / "index", Counting(e5)
    run = partial(ingest, corpus, index_dir, embedder="e5", embeddings=lambda: counting,
                  sources_dir=sources)
    first = run()
    assert {"ex1", "ex2"} <= set(first.documents) and first.copied == 0
    assert not run().changed, "a second ingest reports no changes"
    (sources / "ex2.en.txt").write_text(MINI.replace("four", "five"), encoding="utf-8")
    counting.texts.clear()
    dry = run(dry_run=True)
    assert dry.changed and {c.doc_id: c.state for c in dry.changes}["ex2"] == "changed"
    assert current_build(index_dir) == first.build and not counting.texts, "nothing written"
    second = run()
    states = {c.doc_id: c.state for c in second.changes}
    assert states["ex2"] == "changed" and states["ex1"] == "unchanged"
    assert counting.texts and all("Example Convention 2" in t or "five" in t
                                  for t in counting.texts)
    index = open_index(index_dir, "e5", e5)
    assert index.store._collection.count() == index.vector_count, "no stale or duplicate"
    assert second.embedded == len(counting.texts) and second.copied > 0


def test_a_new_alias_reaches_the_index_without_embedding_anything(tmp_path: Path, e5):
    corpus, sources = _setup(tmp_path)
    index_dir, counting = tmp_path / "index", Counting(e5)
    run = partial(ingest, corpus, index_dir, embedder="e5", embeddings=lambda: counting,
                  sources_dir=sources)
    run()
    manifest = corpus / "sources.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        '["Example Convention 2"]', '["Example Convention 2", "the example treaty"]'),
        encoding="utf-8")
    counting.texts.clear()
    report = run()
    states = {c.doc_id: c.state for c in report.changes}
    assert states["ex2"] == "changed" and states["ex1"] == "unchanged"
    assert not counting.texts and report.embedded == 0, "the passages are the same"
    naming = open_index(index_dir, "e5", e5).naming("What does the example treaty say?")
    assert naming.documents == ("ex2",)


def test_removed_and_missing_sources_are_reported_and_the_guideline_still_served(
        tmp_path: Path, e5):
    corpus, sources = _setup(tmp_path)
    index_dir = tmp_path / "index"
    ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5, sources_dir=sources)
    (sources / "ex1.en.txt").unlink()
    (sources / "ex2.en.txt").write_bytes(b"\xff\xfe broken")
    report = ingest(corpus, index_dir, embedder="e5", embeddings=lambda: e5,
                    sources_dir=sources)
    states = {s.source.id: (s.state, s.message) for s in report.sources}
    assert states["ex1"][0] == "missing" and "https://example.org/ex1" in states["ex1"][1]
    assert states["ex2"][0] == "failed" and "UTF-8" in states["ex2"][1]
    assert {c.doc_id: c.state for c in report.changes}["ex1"] == "removed"
    index = open_index(index_dir, "e5", e5)
    assert not any(c.doc_id.startswith("ex") for c in index.chunks.values())
    assert index.store._collection.count() == index.vector_count


def test_a_pdf_source_is_cited_with_its_page(tmp_path: Path, e5):
    corpus, sources = _setup(tmp_path, ("ex1",))
    (sources / "ex1.en.txt").unlink()
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page_lines in (MINI.splitlines()[:7], MINI.splitlines()[7:]):
        pdf.add_page()
        for line in page_lines:
            pdf.multi_cell(0, 6, line.replace("–", "-"), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(sources / "ex1.en.pdf"))
    ingest(corpus, tmp_path / "index", embedder="e5", embeddings=lambda: e5,
           sources_dir=sources)
    answer = load_assistant(tmp_path / "index", "e5").ask(
        "How often shall each Party report under the Example Convention 1?", "en")
    cited = [c for c in answer.citations if c.label]
    assert cited and cited[0].label == "Example Convention 1, Article 2.1"
    assert cited[0].page == 2


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_downloads_into_the_sources_folder(tmp_path: Path, served: str):
    (tmp_path / "ex.txt").write_text(MINI, encoding="utf-8")
    entry = load_manifest(_manifest(tmp_path))[0]
    got = fetch(entry.model_copy(update={"download": f"{served}/ex.txt"}), tmp_path / "src")
    assert got.read_text(encoding="utf-8") == MINI
    with pytest.raises(Exception, match="save it from https://example.org/ex1"):
        fetch(entry.model_copy(update={"download": f"{served}/nothing.txt"}), tmp_path / "src")


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(TOML.format(id="ex1", prefix="ex1", n=1), encoding="utf-8")
    (tmp_path / "src").mkdir(exist_ok=True)
    return path


@pytest.mark.parametrize(("question", "label"), [
    ("How often do Parties to the 2005 Convention report to UNESCO?", "2005 Convention, Article 9"),
    ("What does the 1980 Recommendation say about the freedom of artists to establish trade "
     "unions?", "1980 Recommendation, III.4"),
])
def test_instruments_are_answered_with_article_citations(full_assistant: Assistant, question,
                                                        label):
    answer = full_assistant.ask(question, "en")
    assert not answer.abstained
    assert any(c.label.startswith(label) for c in answer.citations), answer.citations
    assert answer.text.startswith("According to the " + label.split(",")[0])


def test_the_guideline_leads_and_instruments_follow_as_background(full_assistant: Assistant):
    question = "Vilka dokument är relevanta för de kreativa städernas arbete?"
    answer = full_assistant.ask(question, "sv")
    assert answer.text.startswith("Enligt riktlinjerna (strategiperiod 2018–2021):")  # dated
    assert not answer.citations[0].label, "the guideline's own passage comes first"


def test_source_model_rejects_a_bad_entry(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(Exception, match="source #1 \\(x\\).*fix the entry"):
        load_manifest(path)
    assert Source.model_fields["aliases"].default == ()
