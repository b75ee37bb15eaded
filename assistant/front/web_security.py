"""What the app adds around Gradio, as ASGI middleware on the app that Gradio is mounted in:
security headers on every response (a Content-Security-Policy that allows only what the
page needs, the page never framed), throttled logins, and a guard that refuses what the app
never takes (uploads, deep links, oversized requests)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

log = logging.getLogger("assistant.web")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Everything the page loads comes from the app itself; inline scripts only by their hash
# (Gradio writes its config into the page), styles inline (Svelte sets style attributes).
POLICY = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
          "media-src 'self' blob:; worker-src 'self' blob:; manifest-src 'self'; "
          "frame-src 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
          "frame-ancestors 'none'")
HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
# Gradio's own files, which are never a page (compressed as usual, cached as Gradio says).
_STATIC = ("/assets/", "/static/", "/svelte/", "/theme.css", "/favicon.ico", "/manifest.json")
_NOT_PAGES = (*_STATIC, "/gradio_api/", "/config", "/file=", "/login", "/logout")


def policy(html: bytes | None = None) -> str:
    """The Content-Security-Policy for a response: a page's inline scripts by their hashes."""
    hashes = sorted({_hash(body) for attrs, body in _INLINE_SCRIPT.findall(html or b"")
                     if b"src=" not in attrs.lower()})
    return POLICY.format(hashes=" ".join(hashes) or "'none'").replace("'self' 'none'", "'self'")


def _hash(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k.lower() == name), None)


class SecurityHeaders:
    """Adds the security headers to every HTTP response. A page is asked for uncompressed
    and held until its end, so its inline scripts can be named in the policy by hash."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        page = not path.startswith(_NOT_PAGES)
        if page:  # no brotli or gzip, so the page's scripts can be read and hashed
            scope["headers"] = [(k, v) for k, v in scope["headers"]
                                if k.lower() != b"accept-encoding"]
        held: list[Message] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower().decode() not in (*HEADERS, "content-security-policy")]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not path.startswith(_STATIC) and _header(headers, b"cache-control") is None:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
                if _is_html(headers):
                    held.append(message)
                    return
                headers.append((b"content-security-policy", policy().encode()))
            elif held:
                held.append(message)
                if message.get("more_body", False):
                    return
                await _release(held, send)
                return
            await send(message)

        await self.app(scope, receive, sending)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    kind = (_header(headers, b"content-type") or b"").lower()
    return kind.startswith(b"text/html")


async def _release(held: list[Message], send: Send) -> None:
    """Send a held page with the policy that names its inline scripts (a compressed page
    cannot be read: its inline scripts then stay blocked)."""
    start, body = held[0], b"".join(m.get("body", b"") for m in held[1:])
    headers = start["headers"]
    readable = _header(headers, b"content-encoding") in (None, b"identity")
    headers.append((b"content-security-policy", policy(body if readable else None).encode()))
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0
    seen: float = 0.0


@dataclass
class LoginThrottle:
    """Failed logins counted per client address and per user name: after `attempts`
    failures either one is locked out for `lockout` seconds, doubled with each further
    failure; a successful login clears both. Kept in memory: restarting the app resets it."""

    attempts: int = 5
    lockout: float = 60.0
    records: dict[str, _Record] = field(default_factory=dict)
    max_records: int = 10_000
    max_lockout: float = 86_400.0

    def keys(self, address: str, username: str) -> tuple[str, str]:
        """The two counters a login attempt counts against (a user name only as a hash)."""
        name = hashlib.sha256(username.strip().encode("utf-8", "replace")).hexdigest()[:32]
        return f"address:{address}", f"user:{name}"

    def wait(self, keys: tuple[str, ...], now: float | None = None) -> float:
        """Seconds until these counters may try again (0: now)."""
        now = time.monotonic() if now is None else now
        return max((self.records[k].locked_until - now for k in keys if k in self.records),
                   default=0.0)

    def failed(self, keys: tuple[str, ...], now: float | None = None) -> float:
        """Count a failure; the lockout it starts, in seconds (0: none yet)."""
        now = time.monotonic() if now is None else now
        longest = 0.0
        for key in keys:
            record = self.records.setdefault(key, _Record())
            record.failures, record.seen = record.failures + 1, now
            over = record.failures - self.attempts
            if over >= 0:
                seconds = min(self.lockout * 2 ** min(over, 32), self.max_lockout)
                record.locked_until, longest = now + seconds, max(longest, seconds)
        self._forget_oldest()
        return longest

    def succeeded(self, keys: tuple[str, ...]) -> None:
        """Clear the counters of a successful login."""
        for key in keys:
            self.records.pop(key, None)

    def _forget_oldest(self) -> None:
        if len(self.records) > self.max_records:
            by_age = sorted(self.records, key=lambda k: self.records[k].seen)
            for key in by_age[: len(by_age) // 2]:
                del self.records[key]


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when it is longer than `limit` bytes."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the client's disconnect

    return again


async def refuse(send: Send, status: int, detail: str, headers: dict[str, str] | None = None
                 ) -> None:
    """Answer with a status and a JSON `detail` that says what to do."""
    body = json.dumps({"detail": detail}).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *extra]})
    await send({"type": "http.response.body", "body": body})


def _is_login(scope: Scope) -> bool:
    return scope["method"] == "POST" and scope.get("path", "").rstrip("/") == "/login"


class ThrottledLogin:
    """Refuses a login attempt while its address or user name is locked out, and counts the
    outcome of the others (Gradio answers a wrong password with 400)."""

    def __init__(self, app: ASGIApp, throttle: LoginThrottle) -> None:
        self.app, self.throttle = app, throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_login(scope):
            await self.app(scope, receive, send)
            return
        body = await _body(receive, 65_536)
        if body is None:
            await refuse(send, 413, "The login form is too large.")
            return
        form = await Request(scope, _replay(body, receive)).form()
        address = (scope.get("client") or ("unknown", 0))[0]
        keys = self.throttle.keys(address, str(form.get("username") or ""))
        wait = self.throttle.wait(keys)
        if wait > 0:
            await refuse(send, 429, f"Too many failed logins; try again in {wait:.0f} s.",
                         {"retry-after": str(int(wait) + 1)})
            return
        status: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, _replay(body, receive), sending)
        if status and status[0] < 300:
            self.throttle.succeeded(keys)
        elif status and status[0] in (400, 401, 403):
            locked = self.throttle.failed(keys)
            if locked:
                log.warning("logins from %s or for the user name tried are locked for %.0f s "
                            "after repeated failures (restart the app to reset)", address,
                            locked)


class RequestGuard:
    """Refuses what the app never takes: uploads (it asks for no files), deep links (they
    would show one session's chat in another) and requests larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.startswith("/gradio_api/upload"):
            await refuse(send, 403, "This app takes no files.")
            return
        if path.rstrip("/") == "/gradio_api/deep_link":
            await refuse(send, 404, "Deep links are switched off in this app.")
            return
        query = scope.get("query_string", b"")
        if b"deep_link" in query:  # an old link opens the page as it is, not its state
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if k != "deep_link"]
            scope["query_string"] = urlencode(kept).encode("latin-1")
        size = _header(scope.get("headers", []), b"content-length")
        if size is not None and (not size.isdigit() or int(size) > self.max_bytes):
            await self.too_large(send)
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            body = await _body(receive, self.max_bytes)
            if body is None:
                await self.too_large(send)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def too_large(self, send: Send) -> None:
        """413, naming the bound."""
        await refuse(send, 413, f"The request is larger than {self.max_bytes} bytes "
                     "(ASSISTANT_MAX_REQUEST_BYTES); shorten the question or the history.")
