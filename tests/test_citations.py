"""Citation checks: a cited id must have been retrieved; a quote must be verbatim."""

from __future__ import annotations

from assistant.core.types import Answer, Chunk, Citation
from assistant.pipeline.citations import markers, verify

CHUNK = Chunk("d:p1:abc", "d", "p1", "sv", "Titel", ("Avsnitt",),
              "Vart fjärde år ska de kreativa städerna rapportera.", "", "d")


def _answer(text: str, *citations: Citation) -> Answer:
    return Answer("q", "sv", text, citations, False, "extractive")


def _cite(n: int, quote: str = CHUNK.text, chunk_id: str = CHUNK.chunk_id) -> Citation:
    return Citation(n, "d", "Titel", "Avsnitt", quote, chunk_id)


def test_valid_citation_kept():
    answer, found = verify(_answer("Svar. [1]", _cite(1)), {CHUNK.chunk_id: CHUNK})
    assert found == [] and answer.text == "Svar. [1]" and len(answer.citations) == 1


def test_unretrieved_chunk_dropped_with_its_marker():
    answer, found = verify(_answer("A [1] B [2]", _cite(1), _cite(2, chunk_id="x:y:z")),
                           {CHUNK.chunk_id: CHUNK})
    assert [c.n for c in answer.citations] == [1]
    assert answer.text == "A [1] B "
    assert found == ["[2] cites x:y:z, which was not retrieved"]


def test_paraphrased_quote_dropped():
    answer, found = verify(_answer("A [1]", _cite(1, quote="Varje år ska städerna rapportera.")),
                           {CHUNK.chunk_id: CHUNK})
    assert answer.citations == () and "not verbatim" in found[0]


def test_marker_without_citation_removed():
    answer, found = verify(_answer("A [1] B [7]", _cite(1)), {CHUNK.chunk_id: CHUNK})
    assert answer.text == "A [1] B " and found == ["[7] points to no valid citation"]
    assert markers("x [1] [12] [a]") == {1, 12}
