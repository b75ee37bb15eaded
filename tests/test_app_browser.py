"""The Gradio app in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from assistant.settings import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the app exited during start-up"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer at {url} within {seconds} s")


@pytest.fixture(scope="module")
def app_url(data_dir) -> Iterator[str]:
    port = _free_port()
    env = {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_PORT": str(port),
           "ASSISTANT_HOST": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(app_url, wait_until="domcontentloaded")
        tab.locator("#question textarea").wait_for()
        yield tab
        browser.close()


def _ask(page: Page, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def test_swedish_question_shows_marker_and_cited_passage(page: Page):
    _ask(page, "Hur ofta ska de kreativa städerna rapportera till Unesco?")
    expect(page.locator("#chat")).to_contain_text("Vart fjärde år ska de kreativa städerna")
    expect(page.locator("#chat")).to_contain_text("[1]")
    expect(page.locator("#sources")).to_contain_text("Källor")
    expect(page.locator("#sources")).to_contain_text("Möten och rapportering")


def test_english_question_shows_translation_beside_swedish_original(page: Page):
    _ask(page, "What must a creative city report to the Swedish National Commission, and when?")
    expect(page.locator("#chat")).to_contain_text("At the end of each year")
    sources = page.locator("#sources")
    expect(sources).to_contain_text("Sources")
    expect(sources).to_contain_text("At the end of each year, report on their work")
    expect(sources).to_contain_text("I slutet av varje år rapportera om sitt arbete")


def test_empty_question_gets_a_message_not_a_trace(page: Page):
    _ask(page, "   ")
    expect(page.locator("#chat")).to_contain_text("The question is empty")
    expect(page.locator("body")).not_to_contain_text("Traceback")
