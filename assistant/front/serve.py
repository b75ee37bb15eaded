"""Serving the Gradio page: the files it serves in a folder private to this run, and the
page mounted in an app whose middleware adds the security headers, throttles logins and
refuses uploads, deep links and oversized requests (assistant.web_security)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr

from assistant.core.messages import bilingual
from assistant.core.settings import Settings
from assistant.front.web_security import (
    LoginThrottle,
    RequestGuard,
    SecurityHeaders,
    ThrottledLogin,
)
from assistant.pipeline.format import inert

RUN_PREFIX = "kreativa-app-"
STOP_S = 5  # seconds the app waits for open connections when it is stopped


@contextmanager
def private_files(base: Path | None) -> Iterator[Path]:
    """A fresh folder for the files the app serves (Gradio's copies of the exports), only
    this user can open (0700 folders, 0600 files), removed when the app stops: an export is
    served by the run that made it and by no later one. Gradio is pointed at it."""
    previous = os.umask(0o077)  # everything the app writes from here on is owner-only
    root = base or Path(tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX, dir=root))
    os.environ["GRADIO_TEMP_DIR"] = str(folder / "gradio")
    os.environ["GRADIO_EXAMPLES_CACHE"] = str(folder / "examples")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.umask(previous)


def unavailable_page(why: str, title: str) -> gr.Blocks:
    """The page shown when the index cannot be used: what is wrong and the command that
    fixes it (the app keeps running, so its page can say so)."""
    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        text = (f"## {bilingual('serve.unavailable')}\n\n{inert(why)}\n\n"
                f"{bilingual('serve.restart')}")
        gr.Markdown(text, elem_id="unavailable")
    return demo


def serve(demo: gr.Blocks, settings: Settings, login: tuple[str, str] | None,
          message: str) -> None:
    """Serve the page on the configured host and port until the process is stopped."""
    import uvicorn
    from fastapi import FastAPI
    from starlette.middleware import Middleware

    throttle = LoginThrottle(settings.login_attempts, settings.login_lockout)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, middleware=[
        Middleware(SecurityHeaders),  # outermost: also on the guard's own answers
        Middleware(RequestGuard, max_bytes=settings.max_request_bytes),
        Middleware(ThrottledLogin, throttle=throttle)])
    gr.mount_gradio_app(app, demo, path="", server_name=settings.host,
                        server_port=settings.port, run_history=False, auth=login,
                        auth_message=message, show_error=False,
                        max_file_size=0,  # the app takes no files
                        ssr_mode=False, mcp_server=False, pwa=False, enable_monitoring=False)
    print(f"* Running on local URL:  http://{settings.host}:{settings.port}", flush=True)
    # uvicorn stops gracefully on SIGTERM (an open page's event stream is closed after
    # STOP_S), then raises it again: exit through Python, so that the private folders are
    # removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                timeout_graceful_shutdown=STOP_S)
