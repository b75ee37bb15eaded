"""The structured corpus: every word of the seed kept, footnotes attached, translation aligned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from ingest.loaders import load_corpus, load_document, parse_markdown
from tests.conftest import CORPUS, SEED


@pytest.fixture(scope="module")
def docs():
    return {d.language: d for d in load_corpus(CORPUS) if d.kind == "guideline"}


def _words(text: str) -> list[str]:
    return re.findall(r"[\wåäöÅÄÖ]+", text.lower())


def test_front_matter(docs):
    sv = docs["sv"]
    assert sv.doc_id == "riktlinjer-kreativa-stader"
    assert sv.publisher == "Svenska Unescorådet"
    assert (sv.kind, sv.period) == ("guideline", "2018–2021")
    assert docs["en"].translation_of == sv.doc_id
    assert "unofficial translation" in docs["en"].title


def test_every_word_of_the_seed_kept_in_order(docs):
    seed = SEED.read_text(encoding="utf-8")
    # The seed prints the footnotes (marked 1 and 2) inside the running text.
    footnote_1 = seed[seed.index("\n1 \n") : seed.index(" till social, ekonomisk")]
    footnote_2 = seed[seed.index("\n2 T.ex.") :]
    body = seed.replace(footnote_1, " ").replace(footnote_2, " ")
    body = body.replace("arbete.1", "arbete.").replace("Sverige2.", "Sverige.")
    main = [b.text for b in docs["sv"].blocks if b.kind != "footnote"]
    notes = [b.text for b in docs["sv"].blocks if b.kind == "footnote"]
    assert _words(" ".join(main)) == _words(body)
    assert _words(" ".join(notes)) == _words(footnote_1[3:] + footnote_2[3:])


def test_footnotes_attached_where_cited(docs):
    blocks = {b.block_id: b for b in docs["sv"].blocks}
    assert blocks["dokument-1"].footnotes == ("fotnot-1",)
    assert blocks["mal-nationell-7"].footnotes == ("fotnot-2",)
    assert "Strategiskt ramverk för kreativa städer (2017)" in blocks["fotnot-1"].text
    assert blocks["fotnot-2"].heading_path[-1] == "Fotnot 2"


def test_translation_aligned_block_by_block(docs):
    sv, en = docs["sv"].blocks, docs["en"].blocks
    assert [b.block_id for b in sv] == [b.block_id for b in en]
    assert [b.kind for b in sv] == [b.kind for b in en]
    for s, e in zip(sv, en, strict=True):
        assert re.findall(r"\d+", s.text) == re.findall(r"\d+", e.text), s.block_id


def test_headings_name_each_part(docs):
    sections = {b.heading_path[-1] for b in docs["sv"].blocks if b.kind != "footnote"}
    assert {"Nätverket och dess mål", "Möten och rapportering", "Finansiering",
            "Relevanta dokument", "Riktlinjernas syfte", "Mål på allmän nivå",
            "Mål på global nivå", "Mål på nationell nivå",
            "Vad Svenska Unescorådet ska göra"} <= sections


def test_bullets_keep_their_lead_in(docs):
    blocks = {b.block_id: b for b in docs["sv"].blocks}
    assert blocks["mal-nationell-8"].kind == "bullet"
    assert blocks["mal-nationell-8"].lead_in == "På nationell nivå ska de kreativa städerna:"


def test_markdown_without_ids_gets_generated_ids():
    doc = parse_markdown("# T\n\n## A\n\nFirst.\n\n- one\n- two\n", "x.md")
    assert [(b.block_id, b.kind, b.heading_path) for b in doc.blocks] == [
        ("p1", "paragraph", ("A",)), ("p2", "bullet", ("A",)), ("p3", "bullet", ("A",))]


def test_plain_text_loader(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("One paragraph\nwrapped.\r\n\r\nTwo.\n", encoding="utf-8")
    doc = load_document(path)
    assert [b.text for b in doc.blocks] == ["One paragraph wrapped.", "Two."]


def test_unsupported_and_broken_files_say_how_to_fix(tmp_path: Path):
    with pytest.raises(AssistantError, match="supported file types"):
        load_document(tmp_path / "report.docx")
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(AssistantError, match="save it as UTF-8"):
        load_document(bad)
