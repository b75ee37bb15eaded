"""Security of the running app, over real HTTP on loopback: login, the address it binds to, no
file reads through Gradio's routes, no secrets in its output, the audit log's contents and mode."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client

from assistant.core.settings import REPO_ROOT, Settings
from tests.conftest import (
    API_KEY,
    CHROMA_TOKEN,
    LOCKOUT_S,
    LOGIN_ATTEMPTS,
    PASSWORD,
    USER,
    SharedApp,
    app_env,
)

QUESTION = "Hur ofta ska de kreativa städerna rapportera till Unesco?"
ANSWER_TEXT = "Vart fjärde år ska de kreativa städerna"
SECRETS = (PASSWORD, API_KEY, CHROMA_TOKEN)


@pytest.fixture(scope="module")
def half_logins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[subprocess.Popen]]:
    """`python app.py` with only the username, and with only the password, set; started
    before the module's first test (they run alongside the tests, bounding its time)."""
    tmp = tmp_path_factory.mktemp("half-login")
    procs = []
    for name, value in {"ASSISTANT_USERNAME": USER, "ASSISTANT_PASSWORD": PASSWORD}.items():
        env = app_env(tmp, ASSISTANT_DATA_DIR=str(tmp / "data"), **{name: value})
        procs.append(subprocess.Popen([sys.executable, str(REPO_ROOT / "app.py")], env=env,
                                      cwd=tmp, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def app(half_logins, shared_app: SharedApp) -> SharedApp:
    """The session's app (tests/conftest.py: a login, secrets in its settings, the default
    host, its own audit log, a short lockout), once the half-login apps are starting."""
    return shared_app


@pytest.fixture(scope="module")
def answered(app: SharedApp) -> tuple[list[dict[str, Any]], str]:
    """The chat history and sources panel after one question asked through the API."""
    client = Client(app.url, auth=(USER, PASSWORD), verbose=False)
    chat, sources, _ = client.predict(QUESTION, [], "auto", "extractive", api_name="/ask")
    return chat, sources


@pytest.fixture(scope="module")
def session(app: SharedApp) -> Iterator[httpx.Client]:
    """An HTTP client logged in with the right credentials (the login cookie set)."""
    with httpx.Client(base_url=app.url, timeout=30) as client:
        reply = client.post("/login", data={"username": USER, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        yield client


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


# 1. login


def test_api_refuses_without_login(app: SharedApp):
    with pytest.raises(ValueError, match="credentials were not provided"):
        Client(app.url, verbose=False)
    for path in ("/gradio_api/info", "/config"):
        assert httpx.get(app.url.rstrip("/") + path).status_code == 401, path
    call = httpx.post(app.url + "gradio_api/call/ask",
                      json={"data": [QUESTION, [], "auto", "extractive"]})
    assert call.status_code == 401
    assert "Vart fjärde" not in call.text


def test_page_shows_only_a_login_form_before_login(app: SharedApp):
    page = httpx.get(app.url).text
    start = page.index("window.gradio_config = ") + len("window.gradio_config = ")
    config = json.JSONDecoder().raw_decode(page[start:])[0]
    assert config["auth_required"] is True
    assert config["components"] == [] and config["dependencies"] == []
    assert "Logga in / Log in" in config["auth_message"]
    assert "Hur ofta ska de kreativa städerna rapportera?" not in page  # the question box


def test_wrong_credentials_are_refused(app: SharedApp):
    with pytest.raises(ValueError, match="Could not login"):
        Client(app.url, auth=(USER, PASSWORD + "x"), verbose=False)
    with httpx.Client(base_url=app.url) as client:
        for user, password in ((USER, "wrong"), ("admin", PASSWORD), (USER, "")):
            reply = client.post("/login", data={"username": user, "password": password})
            assert reply.status_code in (400, 401, 422), (user, reply.status_code)
        assert not client.cookies
        assert client.get("/gradio_api/info").status_code == 401


def test_right_credentials_get_a_cited_answer(answered: tuple[list[dict[str, Any]], str]):
    chat, sources = answered
    reply = _text(chat[-1]).replace("\\", "")
    assert chat[-1]["role"] == "assistant"
    assert ANSWER_TEXT in reply and "[1]" in reply
    assert "Källor" in sources and "**[1]**" in sources


# 2. the address it listens on


def _listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of each TCP socket the process listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address, port = fields[1].split(":")
                raw = bytes.fromhex(address)
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.append((socket.inet_ntop(family, raw), int(port, 16)))
    return found


def test_binds_to_loopback_by_default(app: SharedApp, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ASSISTANT_HOST", raising=False)
    assert Settings(_env_file=None).host == "127.0.0.1"  # type: ignore[call-arg]
    sockets = _listening(app.proc.pid)
    assert ("127.0.0.1", app.port) in sockets
    assert all(address == "127.0.0.1" for address, _ in sockets), sockets


# 3. no file reads


FILE_ROUTES = ("/gradio_api/file={}", "/file={}", "/gradio_api/file=../../../../..{}",
               "/gradio_api/file=..%2F..%2F..%2F..%2F..{}", "/file=../../../..{}",
               "/gradio_api/file=/tmp/../..{}", "/static/../../../../..{}",
               "/assets/../../../../..{}", "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e{}",
               "/gradio_api/file=....//....//....//....//{}", "/gradio_api/file/{}")


def _targets(app: SharedApp, data_dir: Path) -> list[tuple[Path, str]]:
    """Files the app could read, each with a piece of text from it."""
    return [(Path("/etc/passwd"), "root:"), (REPO_ROOT / "pyproject.toml", "[project]"),
            (REPO_ROOT / "app.py", "def build_app"), (app.audit_log, QUESTION),
            (data_dir / "index" / "current" / "manifest.json", "embedder"),
            (data_dir / "index" / "current" / "chunks.jsonl", ANSWER_TEXT)]


def _get_raw(app: SharedApp, path: str, cookie: str) -> tuple[int, bytes]:
    """GET `path` as written (no client-side `..` normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def test_no_route_reads_a_file(app: SharedApp, session: httpx.Client, answered, data_dir: Path):
    cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    for target, text in _targets(app, data_dir):
        assert text in target.read_text(encoding="utf-8", errors="replace"), target
        for route in FILE_ROUTES:
            path = route.format(str(target).lstrip("/") if route.endswith("/{}") else target)
            status, body = _get_raw(app, path, cookie)
            assert status in (400, 403, 404), (path, status)
            assert text.encode() not in body, path


# 4. secrets


def test_secrets_never_reach_output_audit_or_pages(app: SharedApp, session: httpx.Client, answered):
    with httpx.Client(base_url=app.url) as stranger:
        stranger.post("/login", data={"username": USER, "password": PASSWORD + "typo"})
        stranger.post("/login", data={"username": PASSWORD, "password": API_KEY})
        stranger.get("/gradio_api/info")
    session.post("/gradio_api/call/ask", json={"data": ["   ", [], "auto", "extractive"]})
    pages = [session.get(path).text for path in ("/", "/config", "/gradio_api/info")]
    pages.append(httpx.get(app.url).text)
    time.sleep(0.5)  # let the app write what those requests log
    logged = {"output": app.output.read_text(errors="replace"),
              "audit log": app.audit_log.read_text(encoding="utf-8")}
    logged |= {f"page {i}": page for i, page in enumerate(pages)}
    assert "Running on local URL" in logged["output"]  # the capture works
    for where, text in logged.items():
        for secret in SECRETS:
            assert secret not in text, f"a secret ({secret[:6]}…) is in the {where}"


# 5. the audit log


def test_audit_log_records_the_answer_owner_only(app: SharedApp, answered):
    _, sources = answered
    mode = stat.S_IMODE(app.audit_log.stat().st_mode)
    assert mode == 0o600, oct(mode)
    lines = app.audit_log.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    record = next(r for r in records if r["question"] == QUESTION)
    assert ANSWER_TEXT in record["answer"] and "[1]" in record["answer"]
    assert record["backend"] == "extractive" and record["abstained"] is False
    assert record["citations"] and record["citations"][0]["n"] == 1
    assert all(c["quote"] and c["chunk_id"] for c in record["citations"])
    assert record["citations"][0]["quote"][:60] in html.unescape(sources)


# 6. half a login


def test_only_one_of_username_and_password_exits_2(half_logins: list[subprocess.Popen]):
    """Each half alone is refused before anything loads, with one line naming both."""
    for proc in half_logins:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "ASSISTANT_USERNAME" in lines[0] and "ASSISTANT_PASSWORD" in lines[0]
        assert PASSWORD not in out + err


# 7. uploads (the app takes no files)


@pytest.mark.parametrize("content", [b"uploaded by a user " * 100, b""])
def test_uploads_are_refused(app: SharedApp, session: httpx.Client, content: bytes):
    """The app takes no files; Gradio's upload route must not store what a user sends, not
    even an empty file."""
    before = set(app.upload_dir.rglob("*"))
    reply = session.post("/gradio_api/upload", files={"files": ("note.txt", content)})
    after = set(app.upload_dir.rglob("*"))
    assert reply.status_code in (400, 403, 404, 405, 413), (reply.status_code, reply.text)
    assert not [p for p in after - before if p.is_file()]


# 8. security headers on every response


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: sources for name, *sources in parts}


def _inline_script_hashes(page: str) -> set[str]:
    found = re.findall(r"<script\b([^>]*)>(.*?)</script\s*>", page, re.DOTALL)
    return {"'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for attrs, body in found if "src=" not in attrs}


def test_every_response_carries_the_security_headers(app: SharedApp, session: httpx.Client):
    page = session.get("/")
    asset = re.search(r'src="\./(assets/index-[^"]+\.js)"', page.text)
    assert asset, "the page loads Gradio's script"
    replies = {"page": page, "asset": session.get(asset.group(1)),
               "config": session.get("/config"), "api info": session.get("/gradio_api/info"),
               "theme": session.get("/theme.css"),
               "file refused": session.get("/gradio_api/file=/etc/passwd"),
               "upload refused": session.post("/gradio_api/upload",
                                              files={"files": ("a.txt", b"a")}),
               "not logged in": httpx.get(app.url + "gradio_api/info"),
               "login page": httpx.get(app.url),
               "wrong login": httpx.post(app.url + "login", headers=_from("192.0.2.250"),
                                         data={"username": "someone", "password": "x"})}
    for name, reply in replies.items():
        headers = reply.headers
        assert headers.get("x-frame-options") == "DENY", name
        assert headers.get("x-content-type-options") == "nosniff", name
        assert headers.get("referrer-policy") == "no-referrer", name
        policy = _directives(headers.get("content-security-policy", ""))
        assert policy.get("frame-ancestors") == ["'none'"], name
        assert policy.get("default-src") == ["'self'"], name
        scripts = policy["script-src"]
        assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
        for sources in policy.values():  # nothing from elsewhere, nothing evaluated
            assert not [s for s in sources if "." in s and not s.startswith("'sha256-")], name
            assert "'unsafe-eval'" not in sources and "*" not in sources, name
    inline = _inline_script_hashes(page.text)
    assert inline and inline <= set(_directives(page.headers["content-security-policy"])
                                     ["script-src"]), "each inline script of the page, by hash"


# 9. no state crosses sessions: deep links are off


def test_deep_links_are_off(app: SharedApp, session: httpx.Client, answered):
    client = Client(app.url, auth=(USER, PASSWORD), verbose=False)
    client.predict(QUESTION, [], "auto", "extractive", api_name="/ask")
    link = session.get("/gradio_api/deep_link", params={"session_hash": client.session_hash})
    assert link.status_code == 404 and QUESTION not in link.text
    assert not list(app.upload_dir.rglob("state.json")), "no session's state on disk"
    run = next(app.upload_dir.glob("kreativa-app-*"))  # a state an older version left there
    planted = run / "gradio" / "deep_links" / "0123abcd" / "state.json"
    planted.parent.mkdir(parents=True)
    planted.write_text(json.dumps([{"id": 3, "props": {"value": "PLANTED-CHAT"}}]))
    page = session.get("/", params={"deep_link": "0123abcd"})
    assert page.status_code == 200 and "PLANTED-CHAT" not in page.text


# 10. bounds: a huge history, a huge request, text that is not text


def _message(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": [{"type": "text", "text": text}]}


def _timed_ask(client: Client, question: str, history: list[dict[str, Any]]
               ) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    chat, _, _ = client.predict(question, history, "auto", "extractive", api_name="/ask")
    return time.perf_counter() - started, chat


def test_a_60000_character_history_is_answered_in_normal_time(app: SharedApp, answered):
    client = Client(app.url, auth=(USER, PASSWORD), verbose=False)
    normal, _ = _timed_ask(client, QUESTION, [])
    pasted = ("Hur ofta ska de kreativa städerna rapportera till Unesco och hur? " * 1000)[:60_000]
    history = [_message("user", QUESTION), _message("assistant", ANSWER_TEXT + " [1]"),
               _message("user", pasted),  # refused for its length, and still in the chat
               _message("assistant", "The question is 60000 characters long; please keep it "
                                     "under 2000.")] * 3
    with ThreadPoolExecutor(3) as pool:  # two such follow-ups and a normal question at once
        forged = [pool.submit(_timed_ask, Client(app.url, auth=(USER, PASSWORD), verbose=False),
                              "och på vilket språk?", history) for _ in range(2)]
        plain_ask = pool.submit(_timed_ask, client, QUESTION, [])
        results = [f.result(timeout=120) for f in (*forged, plain_ask)]
    bound = 3 * normal + 5
    for seconds, chat in results:
        reply = _text(chat[-1])
        assert seconds < bound, f"{seconds:.1f} s (a question alone: {normal:.1f} s)"
        assert reply and "Something went wrong" not in reply and "characters long" not in reply
    assert "engelska" in _text(results[0][1][-1]), "the follow-up leans on the short question"


def test_a_request_over_the_bound_is_refused_before_it_is_read(session: httpx.Client):
    huge = {"data": ["x" * 1_100_000, [], "auto", "extractive"]}
    reply = session.post("/gradio_api/call/ask", json=huge)
    assert reply.status_code == 413 and "ASSISTANT_MAX_REQUEST_BYTES" in reply.text


def _call(session: httpx.Client, api: str, arguments: str) -> list[Any]:
    """One call of a page's API with its arguments as written (JSON text: a lone surrogate
    is the escape `\\ud800`, which JSON allows and Python decodes to an unpaired surrogate)."""
    started = session.post(f"/gradio_api/call/{api}", content=f'{{"data": {arguments}}}',
                           headers={"Content-Type": "application/json"})
    assert started.status_code == 200, started.text
    events = session.get(f"/gradio_api/call/{api}/{started.json()['event_id']}").text
    kind, data = events.strip().splitlines()[-2:]
    assert kind == "event: complete", events[-500:]
    return json.loads(data.removeprefix("data: "))


def test_a_lone_surrogate_gets_the_app_s_message_not_a_traceback(app: SharedApp,
                                                                 session: httpx.Client):
    logged = len(app.output.read_bytes())
    chat, sources, box, *_ = _call(session, "ask",
                                   f'["\\ud800 {QUESTION}", [], "auto", "extractive"]')
    assert "not valid UTF-8" in _text(chat[-1]) and sources == ""
    assert box == "\ufffd " + QUESTION  # kept in the box, as far as it is text
    email = '"Hej!\\n\\nHur ofta ska vi rapportera till Unesco?\\ud800"'
    draft, *_ = _call(session, "draft", f'[{email}, "auto"]')
    assert "not valid UTF-8" in draft
    time.sleep(0.5)
    assert "Traceback" not in app.output.read_bytes()[logged:].decode(errors="replace")


# 11. logins are throttled (per client address and per user name)


def _from(address: str) -> dict[str, str]:
    """As if from another client: the app trusts X-Forwarded-For from loopback only (a
    reverse proxy on the same machine), as uvicorn does."""
    return {"X-Forwarded-For": address}


def _login(app: SharedApp, user: str, password: str, address: str) -> httpx.Response:
    return httpx.post(app.url + "login", data={"username": user, "password": password},
                      headers=_from(address), timeout=30)


def test_repeated_failures_from_one_address_lock_it_out_for_a_while(app: SharedApp):
    address = "198.51.100.7"
    started = time.monotonic()
    codes = [_login(app, f"guess{n}", "wrong", address).status_code for n in range(30)]
    assert codes[:LOGIN_ATTEMPTS] == [400] * LOGIN_ATTEMPTS
    assert set(codes[LOGIN_ATTEMPTS:]) == {429}, "after the failures, nothing is tried"
    locked = _login(app, USER, PASSWORD, address)  # even the right password, from there
    assert locked.status_code == 429 and "Too many failed logins" in locked.json()["detail"]
    assert 1 <= int(locked.headers["retry-after"]) <= LOCKOUT_S + 1
    assert _login(app, USER, PASSWORD, "198.51.100.8").status_code == 200  # another address
    time.sleep(max(0.0, started + LOCKOUT_S + 0.3 - time.monotonic()))
    assert _login(app, USER, PASSWORD, address).status_code == 200  # the lockout is over


def test_repeated_failures_for_one_user_name_lock_it_out_and_the_lockout_grows(app: SharedApp):
    user, addresses = "kansliet-gissning", [f"203.0.113.{n}" for n in range(1, 12)]
    for n in range(LOGIN_ATTEMPTS):  # each from another address
        assert _login(app, user, f"guess{n}", addresses[n]).status_code == 400
    first = _login(app, user, "guess", addresses[-1])
    assert first.status_code == 429
    time.sleep(int(first.headers["retry-after"]) + 0.3)
    assert _login(app, user, "again", addresses[-2]).status_code == 400  # one more failure…
    second = _login(app, user, "guess", addresses[-3])
    assert second.status_code == 429  # …locks it out again, for twice as long
    assert int(second.headers["retry-after"]) > LOCKOUT_S
