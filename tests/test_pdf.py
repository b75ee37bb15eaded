"""PDF sources: real PDFs written with fpdf2 / pypdf in a temporary folder, read back."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from assistant.core.errors import AssistantError
from assistant.core.tuning import load_tuning
from ingest.pdf import NoTextLayer, SourceError, pdf_paragraphs

LAYOUT = load_tuning("e5").layout

OBJECTIVES = (
    "The objectives of this Convention are to protect and promote the diversity of cultural "
    "expressions, to create the conditions for cultures to flourish and to freely interact in a "
    "mutually beneficial manner, and to encourage dialogue among cultures with a view to "
    "ensuring wider and balanced cultural exchanges in the world."
)
PRINCIPLES = (
    "Cultural diversity can be protected and promoted only if human rights and fundamental "
    "freedoms, such as freedom of expression, information and communication, as well as the "
    "ability of individuals to choose cultural expressions, are guaranteed."
)
SCOPE = (
    "This Convention shall apply to the policies and measures adopted by the Parties related to "
    "the protection and promotion of the diversity of cultural expressions."
)
SOVEREIGNTY = (
    "States have, in accordance with the Charter of the United Nations and the principles of "
    "international law, the sovereign right to adopt measures and policies to protect and "
    "promote the diversity of cultural expressions within their territory, taking into account "
    "the special circumstances and needs of women as well as various social groups, including "
    "persons belonging to minorities and indigenous peoples, and their ability to create, "
    "produce, disseminate and distribute their own traditional cultural expressions."
)
SOLIDARITY = (
    "International cooperation and solidarity should be aimed at enabling countries, especially "
    "developing countries, to create and strengthen their means of cultural expression."
)


class _Convention(FPDF):
    """An A4 page with a running header and footer carrying the page number."""

    def __init__(self, header: str = "Page {n}", footer: str = "- {n} -") -> None:
        super().__init__(format="A4")
        self.header_text, self.footer_text = header, footer
        self.core_fonts_encoding = "windows-1252"  # en dash, curly quotes, NBSP
        self.set_auto_page_break(True, margin=25)
        self.set_font("helvetica", size=10)

    def header(self) -> None:
        if self.header_text:
            self.cell(0, 8, self.header_text.format(n=self.page_no()), align="C")
            self.ln(12)

    def footer(self) -> None:
        if self.footer_text:
            self.set_y(-18)
            self.cell(0, 8, self.footer_text.format(n=self.page_no()), align="C")


def _paragraph(pdf: FPDF, text: str) -> None:
    """A paragraph that fpdf2 wraps over several lines, then a gap."""
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _lines(pdf: FPDF, lines: Sequence[str]) -> None:
    """Exact layout lines, one per row (to control wrapping and hyphenation)."""
    for line in lines:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")


def _save(pdf: FPDF, path: Path) -> Path:
    path.write_bytes(bytes(pdf.output()))
    return path


def _three_pages(path: Path, header: str = "Page {n}", footer: str = "- {n} -") -> Path:
    pdf = _Convention(header, footer)
    for title, text in [
        ("Article 1 – Objectives", OBJECTIVES),
        ("Article 2 – Guiding principles", PRINCIPLES),
        ("Article 3 – Scope of application", SCOPE),
    ]:
        pdf.add_page()
        _paragraph(pdf, title)
        _paragraph(pdf, text)
    return _save(pdf, path)


THREE_PAGES = [
    (1, "Article 1 – Objectives"),
    (1, OBJECTIVES),
    (2, "Article 2 – Guiding principles"),
    (2, PRINCIPLES),
    (3, "Article 3 – Scope of application"),
    (3, SCOPE),
]


def test_multi_page_paragraphs_carry_their_page_and_wrapped_lines_are_joined(tmp_path: Path):
    path = _three_pages(tmp_path / "convention.pdf")
    assert "\n" in PdfReader(path).pages[0].extract_text().split("Objectives", 1)[1].strip()
    assert pdf_paragraphs(path, LAYOUT) == THREE_PAGES


@pytest.mark.parametrize(
    ("header", "footer"),
    [("Page {n}", "- {n} -"), ("", "{n}"), ("{n}", "Page {n} of 3"), ("- {n} -", "{n}/3")],
)
def test_page_number_lines_are_dropped(tmp_path: Path, header: str, footer: str):
    path = _three_pages(tmp_path / "numbered.pdf", header, footer)
    assert pdf_paragraphs(path, LAYOUT) == THREE_PAGES


def test_paragraph_split_across_a_page_break_is_joined_on_its_first_page(tmp_path: Path):
    pdf = _Convention()
    pdf.add_page()
    _paragraph(pdf, "Article 5 – General rule regarding rights and obligations")
    pdf.set_y(pdf.h - 45)  # near the bottom: fpdf2 breaks the page inside the paragraph
    _paragraph(pdf, SOVEREIGNTY)
    _paragraph(pdf, SOLIDARITY)
    path = _save(pdf, tmp_path / "split.pdf")
    first, second = (page.extract_text() for page in PdfReader(path).pages)
    assert "States have" in first and "traditional cultural expressions" in second

    assert pdf_paragraphs(path, LAYOUT) == [
        (1, "Article 5 – General rule regarding rights and obligations"),
        (1, SOVEREIGNTY),
        (2, SOLIDARITY),
    ]


def test_a_short_line_ending_a_sentence_ends_its_paragraph_as_the_layout_tuning_says(
        tmp_path: Path):
    pdf = _Convention()
    pdf.add_page()
    _paragraph(pdf, SOVEREIGNTY)
    _paragraph(pdf, SOLIDARITY)
    path = _save(pdf, tmp_path / "two.pdf")
    assert pdf_paragraphs(path, LAYOUT) == [(1, SOVEREIGNTY), (1, SOLIDARITY)]
    no_line_short = LAYOUT.model_copy(update={"short": 0.0})
    assert pdf_paragraphs(path, no_line_short) == [(1, f"{SOVEREIGNTY} {SOLIDARITY}")]


def test_next_page_starting_lower_case_continues_the_paragraph(tmp_path: Path):
    pdf = _Convention()
    pdf.add_page()
    _lines(pdf, ["(c) to foster interculturality in order to develop cultural interaction;"])
    pdf.add_page()
    _lines(
        pdf,
        ["and to raise awareness of its value at the local, national and international levels."],
    )
    pdf.add_page()
    _lines(pdf, ["Parties shall endeavour to adopt measures."])
    path = _save(pdf, tmp_path / "continued.pdf")

    assert pdf_paragraphs(path, LAYOUT) == [
        (
            1,
            "(c) to foster interculturality in order to develop cultural interaction; and to "
            "raise awareness of its value at the local, national and international levels.",
        ),
        (3, "Parties shall endeavour to adopt measures."),
    ]


# Each inner list is one expected paragraph, printed as these exact layout lines.
MARKED = [
    ["Preamble"],
    [
        "The General Conference, affirming that cultural diversity is a defining characteristic",
        "of humanity, adopts this Convention on this twentieth day of October 2005.",
    ],
    ["Article 4 – Definitions"],
    ["For the purposes of this Convention, it is understood that:"],
    ["1. Cultural diversity"],
    [
        "“Cultural diversity” refers to the manifold ways in which the cultures of groups and",
        "societies find expression. These expressions are passed on within and among groups.",
    ],
    [
        "(a) cultural content refers to the symbolic meaning, artistic dimension and cultural",
        "values that originate from or express cultural identities;",
    ],
    [
        "(iv) the safeguarding of heritage, as referred to in subparagraph",
        "(a) above, including its transmission;",
    ],
    ["Article 5"],
    ["General rule regarding rights and obligations"],
    [
        "The Parties reaffirm their sovereign right to formulate and implement their cultural",
        "policies.",
    ],
    ["IV. The vocation and training of the artist"],
    ["3.", "Member States should promote the training of artists."],
    ["(b)", "to create the conditions for cultures to flourish;"],
    ["V.", "The social status of the artist"],
    [
        "2. Member States should encourage all activities designed to emphasize the contribution",
        "of artists to the development of their countries and to the enrichment of their culture.",
    ],
    ["ANNEX"],
    ["Conciliation Procedure"],
    ["Article 1 – Conciliation Commission"],
]
SHORT_LINES = [
    [
        "Each Party shall endeavour to create in its territory an environment which encourages",
        "individuals to distribute their own cultural expressions.",
    ],
    [
        "Parties shall also recognize the important contribution of artists and cultural groups.",
        "Those who support them play a central role in nourishing the diversity of expressions,",
        "notably through measures such as, e.g.",
        "tax incentives and the following:",
    ],
    ["to support artists and others involved in the creative process in developing countries;"],
]


@pytest.mark.parametrize("paragraphs", [MARKED, SHORT_LINES], ids=["markers", "short-lines"])
def test_markers_headings_and_short_punctuated_lines_start_paragraphs(
    tmp_path: Path, paragraphs: list[list[str]]
):
    pdf = _Convention()
    pdf.add_page()
    _lines(pdf, [line for paragraph in paragraphs for line in paragraph])
    path = _save(pdf, tmp_path / "markers.pdf")

    assert pdf_paragraphs(path, LAYOUT) == [(1, " ".join(paragraph)) for paragraph in paragraphs]


def test_line_end_hyphens_are_undone_only_for_split_words(tmp_path: Path):
    pdf = _Convention()
    pdf.add_page()
    _lines(
        pdf,
        [
            "States should encourage inter-",
            "national cooperation, including Franco-",
            "German projects, and respect the right of peoples to self-",
            "determination, as the principle of self-determination requires.",
        ],
    )
    path = _save(pdf, tmp_path / "hyphens.pdf")

    assert pdf_paragraphs(path, LAYOUT) == [
        (
            1,
            "States should encourage international cooperation, including Franco-German "
            "projects, and respect the right of peoples to self-determination, as the principle "
            "of self-determination requires.",
        )
    ]


def test_whitespace_is_normalised_and_text_otherwise_kept(tmp_path: Path):
    pdf = _Convention()
    pdf.add_page()
    _lines(pdf, ["Article 6 –\tRights of Parties\u00a0at the  national level", "1.\tWithin the"])
    _lines(pdf, ["framework of its cultural policies, each Party may adopt measures (“quotas”)."])
    path = _save(pdf, tmp_path / "spaces.pdf")

    assert pdf_paragraphs(path, LAYOUT) == [
        (1, "Article 6 – Rights of Parties at the national level"),
        (
            1,
            "1. Within the framework of its cultural policies, each Party may adopt measures "
            "(“quotas”).",
        ),
    ]


def _encrypted(source: Path, path: Path, user: str, algorithm: str) -> Path:
    writer = PdfWriter(clone_from=source)
    writer.encrypt(user, "owner-secret", algorithm=algorithm)
    with path.open("wb") as out:
        writer.write(out)
    return path


@pytest.mark.parametrize("algorithm", ["RC4-40", "RC4-128"])
def test_encrypted_with_an_empty_user_password_is_read(tmp_path: Path, algorithm: str):
    path = _encrypted(_three_pages(tmp_path / "plain.pdf"), tmp_path / "locked.pdf", "", algorithm)
    assert PdfReader(path).is_encrypted
    assert pdf_paragraphs(path, LAYOUT) == THREE_PAGES


def test_encrypted_with_a_real_password_says_to_save_an_unencrypted_copy(tmp_path: Path):
    path = _three_pages(tmp_path / "plain.pdf")
    path = _encrypted(path, tmp_path / "secret.pdf", "s3cret", "RC4-128")
    with pytest.raises(SourceError, match=r"secret\.pdf is protected by a password") as raised:
        pdf_paragraphs(path, LAYOUT)
    assert "unencrypted copy" in str(raised.value)


def _aes_without_cryptography(source: Path, path: Path) -> Path:
    """An AESV2 (R4) PDF with an empty user password, written without `cryptography`.

    pypdf writes only RC4 without it. R3 (RC4-128) and R4 derive the key and check the
    password the same way, so an incremental update that switches the crypt filter to AESV2
    gives a file that opens with "" but whose streams need AES.
    """
    data = _encrypted(source, path, "", "RC4-128").read_bytes()
    number = re.search(rb"/Encrypt (\d+) 0 R", data)
    assert number
    num = number.group(1)
    found = re.search(rb"\n" + num + rb" 0 obj\s*<<(.*?)>>\s*endobj", data, re.S)
    assert found
    trailer, prev = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)", data, re.S)[-1]
    body = found.group(1).replace(b"/V 2", b"/V 4").replace(b"/R 3", b"/R 4")
    body += b"/CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >>"
    body += b" /StmF /StdCF /StrF /StdCF\n"
    obj = num + b" 0 obj\n<<" + body + b">>\nendobj\n"
    data += b"\n"
    offset, xref = len(data), len(data) + len(obj)
    data += obj + b"xref\n0 1\n0000000000 65535 f \n" + num + b" 1\n" + b"%010d 00000 n \n" % offset
    data += b"trailer\n<<" + trailer + b"/Prev " + prev + b"\n>>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(data)
    return path


def test_aes_encryption_needs_cryptography_or_an_unencrypted_copy(tmp_path: Path):
    plain = _three_pages(tmp_path / "plain.pdf")
    if importlib.util.find_spec("cryptography"):
        path = _encrypted(plain, tmp_path / "aes.pdf", "", "AES-256")
        assert pdf_paragraphs(path, LAYOUT) == THREE_PAGES
        return
    path = _aes_without_cryptography(plain, tmp_path / "aes.pdf")
    reader = PdfReader(path)
    assert reader.is_encrypted and reader.decrypt("")  # the password is fine; AES is missing
    with pytest.raises(SourceError, match=r"aes\.pdf is AES-encrypted") as raised:
        pdf_paragraphs(path, LAYOUT)
    assert "pip install cryptography" in str(raised.value)
    assert "unencrypted copy" in str(raised.value)


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
        bytes(range(256)) * 8,
        b"%PDF-1.7\n" + bytes(range(255, -1, -1)) * 4,
    ],
    ids=["html", "garbage", "pdf-header-then-garbage"],
)
def test_corrupt_file_says_not_a_readable_pdf(tmp_path: Path, content: bytes):
    path = tmp_path / "convention-2005.pdf"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=r"convention-2005\.pdf is not a readable PDF") as raised:
        pdf_paragraphs(path, LAYOUT)
    assert "download it again" in str(raised.value)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9])
def test_truncated_pdf_says_not_a_readable_pdf(tmp_path: Path, keep: float):
    data = _three_pages(tmp_path / "whole.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(SourceError, match=r"truncated\.pdf is not a readable PDF"):
        pdf_paragraphs(path, LAYOUT)


def test_empty_file_says_it_is_empty(tmp_path: Path):
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(SourceError, match=r"empty\.pdf is empty"):
        pdf_paragraphs(path, LAYOUT)


def test_missing_file_names_the_path(tmp_path: Path):
    with pytest.raises(SourceError, match=r"missing\.pdf cannot be opened"):
        pdf_paragraphs(tmp_path / "missing.pdf", LAYOUT)


def _scan_page(pdf: FPDF, folder: Path) -> None:
    """A page holding only a picture of text, as a scanner makes."""
    picture = folder / "scan.png"
    Image.new("RGB", (400, 560), "white").save(picture)
    pdf.add_page()
    pdf.image(str(picture), x=10, y=10, w=190)


def _scanned(folder: Path) -> Path:
    pdf = _Convention(header="", footer="")
    _scan_page(pdf, folder)
    _scan_page(pdf, folder)
    return _save(pdf, folder / "scanned.pdf")


def _blank(folder: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    with (folder / "scanned.pdf").open("wb") as out:
        writer.write(out)
    return folder / "scanned.pdf"


def _only_page_numbers(folder: Path) -> Path:
    pdf = _Convention(header="", footer="- {n} -")
    _scan_page(pdf, folder)
    return _save(pdf, folder / "scanned.pdf")


@pytest.mark.parametrize("make", [_scanned, _blank, _only_page_numbers])
def test_pdf_without_a_text_layer_says_to_run_ocr(tmp_path: Path, make):
    path = make(tmp_path)
    assert len(PdfReader(path).pages) > 0
    with pytest.raises(NoTextLayer, match=r"scanned\.pdf has no text layer") as raised:
        pdf_paragraphs(path, LAYOUT)
    assert "ocrmypdf" in str(raised.value)
    assert isinstance(raised.value, SourceError) and isinstance(raised.value, AssistantError)


def test_pages_without_text_are_skipped_when_others_have_text(tmp_path: Path):
    pdf = _Convention()
    _scan_page(pdf, tmp_path)
    pdf.add_page()
    _paragraph(pdf, "Article 3 – Scope of application")
    _paragraph(pdf, SCOPE)
    path = _save(pdf, tmp_path / "mixed.pdf")

    assert pdf_paragraphs(path, LAYOUT) == [(2, "Article 3 – Scope of application"), (2, SCOPE)]
