"""The Gradio app in a real headless Chromium (Debian's), driven by Playwright: the session's
app (tests/conftest.py), each browser context logged in to it first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from evals.bench.screenshots import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PASSWORD, USER, SharedApp, running_app

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # a loaded CI machine answers in more than 5 s



@pytest.fixture(scope="module")
def app_url(shared_app: SharedApp) -> str:
    return shared_app.url


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "install Debian's chromium: apt-get install chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield _opened(_logged_in(browser, app_url).new_page(), app_url)
        browser.close()


def _logged_in(browser: Browser, app_url: str) -> BrowserContext:
    """A new browser context (its own cookies and storage), logged in to the app."""
    context = browser.new_context()
    reply = context.request.post(app_url + "login",
                                 form={"username": USER, "password": PASSWORD})
    assert reply.ok, reply.text()
    return context


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
    context = _logged_in(page.context.browser, app_url)
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


# The three user groups' entry points: one tab each, exercised as a user would.


def _tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def _shows(locator: Locator, *texts: str) -> None:
    for text in texts:
        expect(locator).to_contain_text(text)


def test_city_staff_filter_the_obligations_export_csv_and_plan_the_year(fresh: Page,
                                                                        tmp_path: Path):
    _tab(fresh, "Städer: skyldigheter / Cities: obligations")
    table = fresh.locator("#register")
    expect(table).to_contain_text("Vart fjärde år ska de kreativa städerna rapportera")
    expect(table).to_contain_text("Svenska Unescorådet")
    fresh.locator("#actor input").click()
    fresh.get_by_role("option", name="Svenska Unescorådet").click()
    expect(table.get_by_role("row")).to_have_count(1 + 5)  # the header and the Council's 5
    expect(table).not_to_contain_text("moten-2")  # a city clause
    expect(table).to_contain_text("Bedöma svenska städers ansökningar")
    with fresh.expect_download() as download:
        fresh.locator("#register-csv").click()
    saved = tmp_path / "register.csv"
    download.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("block_id,actor") and len(rows) == 1 + 5
    assert all(",Svenska Unescorådet," in row for row in rows[1:])
    fresh.locator("#year input").fill("2030")
    fresh.locator("#calendar-show").click()
    _shows(fresh.locator("#calendar"), "Östersund (designated 2010): reports due in 2030",
           "31 December 2030", "report to UNESCO")


def test_prospective_cities_see_the_cited_membership_path(fresh: Page):
    _tab(fresh, "Bli kreativ stad / Joining")
    fresh.get_by_role("radio", name="English").click()
    fresh.locator("#membership-show").click()
    _shows(fresh.locator("#membership"), "Assess Swedish cities' applications to the network",
           "for the time being wait", "The guidelines do not cover fees, deadlines or application",
           "Later facts from the supplement", "Swedish original")


def test_council_staff_draft_a_reply_and_download_it_as_docx(fresh: Page, tmp_path: Path):
    import docx

    _tab(fresh, "Svarsutkast / Draft a reply")
    fresh.locator("#email textarea").fill(
        "Hej!\n\nHur ofta ska vi rapportera till Unesco? Vad kostar medlemskapet?\n\n"
        "Med vänliga hälsningar\nAnna")
    fresh.locator("#draft").click()
    _shows(fresh.locator("#draft-text"), "Med vänliga hälsningar",
           "Vart fjärde år ska de kreativa städerna rapportera", "komplettera svaret här",
           "[1] Riktlinjer för Unescos kreativa städer i Sverige")
    with fresh.expect_download() as download:
        fresh.locator("#draft-docx").click()
    saved = tmp_path / "draft.docx"
    download.value.save_as(saved)
    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert "Vart fjärde år ska de kreativa städerna rapportera" in text and "[1]" in text
    assert "Källor" in text


def test_feedback_on_an_answer_reaches_the_audit_log_and_the_answer_exports(
        fresh: Page, shared_app: SharedApp, tmp_path: Path):
    import json

    import docx

    question = "Vem bedömer svenska städers ansökningar till nätverket?"
    _ask(fresh, question)
    expect(fresh.locator("#sources")).to_contain_text("Bedöma svenska städers ansökningar")
    fresh.locator("#comment textarea").fill("Tydligt svar")
    fresh.locator("#unhelpful").click()
    expect(fresh.locator("#feedback-status")).to_contain_text("Tack!")
    records = [json.loads(line) for line in
               shared_app.audit_log.read_text(encoding="utf-8").splitlines()]
    answer = next(r for r in reversed(records)
                  if r.get("kind") == "answer" and r["question"] == question)
    feedback = [r for r in records if r.get("answer_id") == answer["id"]]
    assert [(f["helpful"], f["comment"]) for f in feedback] == [(False, "Tydligt svar")]
    fresh.locator("#answer-export").click()
    with fresh.expect_download() as download:
        fresh.locator("#answer-docx").click()
    saved = tmp_path / "answer.docx"
    download.value.save_as(saved)
    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert question in text and "Bedöma svenska städers ansökningar" in text
    _ask(fresh, "Hur ofta ska städerna rapportera till Unesco?")  # the export is now stale
    expect(fresh.locator("#answer-docx")).to_be_hidden()
    expect(fresh.locator("#answer-md")).to_be_hidden()


def test_a_follow_up_in_the_chat_leans_on_the_question_before(fresh: Page):
    _ask(fresh, "What must the creative cities report to the Swedish National Commission?")
    expect(fresh.locator('#chat [data-testid="bot"]')).to_have_count(1)
    _ask(fresh, "And in which language?")
    expect(fresh.locator('#chat [data-testid="bot"]')).to_have_count(2)
    expect(fresh.locator('#chat [data-testid="bot"]').nth(1)).to_contain_text(
        "The reports are written in English")


# What the security review found in the browser (issue 19)


def test_a_url_or_address_in_a_question_is_shown_as_text(fresh: Page):
    question = ("Hur ofta ska städerna rapportera? Se https://example.org/rapport, "
                "www.example.org eller skriv till kansliet@example.org")
    _ask_and_wait(fresh, question)
    user = fresh.locator('#chat [data-testid="user"]')
    expect(user).to_have_text(question)
    expect(user.locator("a")).to_have_count(0)


def test_no_question_or_answer_is_kept_in_the_browser(fresh: Page, app_url: str):
    question = "Vem bedömer svenska städers ansökningar till nätverket?"
    _ask_and_wait(fresh, question)
    expect(fresh.locator("#sources")).to_contain_text("Bedöma svenska städers ansökningar")
    kept = fresh.evaluate("""async () => JSON.stringify({
        local: Object.assign({}, localStorage), session: Object.assign({}, sessionStorage),
        databases: indexedDB.databases ? await indexedDB.databases() : []})""")
    assert "svenska städers" not in kept and "Bedöma" not in kept, kept[:300]
    assert fresh.request.get(app_url + "gradio_api/runs").status == 404  # no run history page


def test_the_page_works_under_its_content_security_policy(page: Page, app_url: str):
    assert page.context.browser is not None
    context = _logged_in(page.context.browser, app_url)
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda message: console.append(message.text))
    with tab.expect_response(app_url) as first:
        _opened(tab, app_url)
    policy = first.value.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split(
        "script-src")[1].split(";")[0]
    _ask(tab, "Hur ofta ska de kreativa städerna rapportera till Unesco?")
    expect(tab.locator("#chat")).to_contain_text("Vart fjärde år ska de kreativa städerna")
    expect(tab.locator("#sources")).to_contain_text("Möten och rapportering")
    assert not [m for m in console if "Content Security Policy" in m], console
    context.close()


def test_another_site_cannot_frame_the_page(page: Page, app_url: str):
    framing = f'<html><body><iframe id="app" src="{app_url}"></iframe></body></html>'.encode()

    class Host(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(framing)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    assert page.context.browser is not None
    context = _logged_in(page.context.browser, app_url)
    try:
        tab = context.new_page()
        console: list[str] = []
        tab.on("console", lambda message: console.append(message.text))
        tab.goto(f"http://127.0.0.1:{server.server_address[1]}/", wait_until="load")
        for _ in range(60):  # the browser says why it refused, once it has tried
            if any("frame-ancestors" in m for m in console):
                break
            tab.wait_for_timeout(250)
        assert any("frame-ancestors 'none'" in m for m in console), console
        expect(tab.frame_locator("#app").locator("#question")).to_have_count(0)
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_the_app_stops_with_a_page_open_and_removes_its_files(page: Page, data_dir: Path,
                                                              tmp_path: Path):
    """An open page keeps an event stream to the app; stopping the app (SIGTERM) must not
    wait for it, and the files it served go with it (an app of its own: it is stopped)."""
    assert page.context.browser is not None
    temp = tmp_path / "gradio"
    with running_app(tmp_path, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_AUDIT="false",
                     GRADIO_TEMP_DIR=str(temp)) as app:
        context = page.context.browser.new_context()
        tab = _opened(context.new_page(), app.url)
        _ask(tab, "Hur ofta ska de kreativa städerna rapportera till Unesco?")
        expect(tab.locator("#chat")).to_contain_text("Vart fjärde år")
        assert list(temp.glob("kreativa-app-*/gradio/*")), "the page's files are served"
        app.proc.terminate()
        assert app.proc.wait(timeout=20) == 0, "stopped with the page still open"
        context.close()
    assert not list(temp.glob("kreativa-app-*")), "its private folder is removed"
