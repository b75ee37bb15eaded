"""The Gradio app in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from assistant.settings import REPO_ROOT
from evals.scale import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # a loaded CI machine answers in more than 5 s



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
    port = free_port()
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
        yield _opened(browser.new_page(), app_url)
        browser.close()


def _opened(tab: Page, app_url: str) -> Page:
    """The tab with the app loaded and its question box ready."""
    tab.set_default_timeout(TIMEOUT_MS)
    tab.goto(app_url, wait_until="domcontentloaded")
    tab.locator("#question textarea").wait_for()
    return tab


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


@pytest.fixture
def fresh(page: Page, app_url: str) -> Iterator[Page]:
    """A new tab on the app (an empty chat), in the module's browser."""
    assert page.context.browser is not None
    context = page.context.browser.new_context()
    yield _opened(context.new_page(), app_url)
    context.close()


@pytest.fixture
def beacon() -> Iterator[tuple[str, list[str]]]:
    """A tiny HTTP server on loopback: its base URL and the paths requested from it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _ask_and_wait(page: Page, question: str) -> None:
    _ask(page, question)
    expect(page.locator('#chat [data-testid="bot"]')).to_have_count(1)
    page.wait_for_timeout(500)  # time for anything the messages would load or run


def test_html_and_script_in_a_question_are_shown_as_text_not_run(fresh: Page):
    question = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> '
                "Hur ofta ska städerna rapportera?")
    _ask_and_wait(fresh, question)
    expect(fresh.locator('#chat [data-testid="user"]')).to_have_text(question)
    assert fresh.evaluate("window.__pwned") is None
    expect(fresh.locator("#chat script")).to_have_count(0)
    expect(fresh.locator('#chat img[src="x"]')).to_have_count(0)


def test_markdown_image_and_link_in_a_question_load_nothing(
        fresh: Page, beacon: tuple[str, list[str]]):
    base, hits = beacon
    requested: list[str] = []
    fresh.on("request", lambda request: requested.append(request.url))
    image, link = f"![x]({base}/pixel.png)", f"[klicka]({base}/x)"
    _ask_and_wait(fresh, f"{image} {link} Hur ofta ska städerna rapportera?")
    assert hits == [], "the browser fetched a URL from the question"
    assert [url for url in requested if url.startswith(base)] == []
    expect(fresh.locator(f'#chat img[src^="{base}"]')).to_have_count(0)
    expect(fresh.locator("#chat a", has_text="klicka")).to_have_count(0)
    user = fresh.locator('#chat [data-testid="user"]')
    expect(user).to_contain_text(image)
    expect(user).to_contain_text(link)
