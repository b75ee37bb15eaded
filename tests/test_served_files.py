"""The files the app serves (its exports), over real HTTP: private to the app's user, carrying
nothing live from what a user typed, and served only by the run that made them."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path
from typing import Any

import httpx
from gradio_client import Client
from markdown_it import MarkdownIt

from tests.conftest import running_app

EMAIL = ("Hej!\n\nHur ofta ska vi <img src=x onerror=alert(1)> rapportera "
         "[klicka](javascript:alert(1)) till Unesco enligt https://example.org/regler?\n\n"
         "Med vänliga hälsningar\nAnna")


def _draft(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft tab's two downloads (.md, .docx) as the page gets them: where they are
    served and the served copy's path."""
    client = Client(url, verbose=False, download_files=False)
    _, markdown, word = client.predict(EMAIL, "auto", api_name="/draft")
    return markdown["value"], word["value"]  # each a button's update: shown, with its file


def test_exports_are_private_inert_and_gone_after_a_restart(data_dir: Path, tmp_path: Path):
    temp = tmp_path / "gradio"  # apps of its own: one is stopped, another started after it
    with running_app(tmp_path, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_AUDIT="false",
                     GRADIO_TEMP_DIR=str(temp)) as app:
        markdown, word = _draft(app.url)
        served = httpx.get(markdown["url"], timeout=30)
        assert served.status_code == 200 and "**Fråga:** Hur ofta ska vi" in served.text
        rendered = MarkdownIt("commonmark", {"html": True}).render(served.text)
        for live in ("<img", "<a ", "<script"):  # as a Markdown viewer that allows HTML shows it
            assert live not in rendered, live
        assert "https://" not in served.text, "a bare URL would become a link (GFM)"
        assert "&lt;img src=x onerror=alert(1)&gt;" in rendered  # the question, as text
        docx = zipfile.ZipFile(Path(word["path"]))
        parts = "".join(docx.read(n).decode() for n in docx.namelist() if n.endswith(".rels")
                        or n == "word/document.xml")
        assert "hyperlink" not in parts and "&lt;img src=x onerror=alert(1)&gt;" in parts
        files = [p for p in temp.rglob("*") if p.is_file()]
        assert Path(markdown["path"]) in files
        folders = [p for p in temp.rglob("*") if p.is_dir() and p != temp / "vibe_edit_history"]
        assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {"0o600"}
        assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in folders} == {"0o700"}
    assert not Path(markdown["path"]).exists(), "the run's files go when the app stops"
    with running_app(tmp_path, port=app.port, ASSISTANT_DATA_DIR=str(data_dir),
                     ASSISTANT_AUDIT="false", GRADIO_TEMP_DIR=str(temp)):
        again = httpx.get(markdown["url"], timeout=30)
        assert again.status_code in (403, 404) and "Fråga" not in again.text
