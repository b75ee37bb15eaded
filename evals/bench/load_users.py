"""The load test's users: the evaluation questions shared among threads, each asking through
its own `gradio_client.Client`, every reply timed and checked; and what one run collected."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from gradio_client import Client

from assistant.front.handlers import FAILED
from assistant.pipeline.format import plain
from evals.cases import load_cases

REQUEST_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Reply:
    """One question through `/ask`: its latency, the app's output, what was wrong with it."""

    question: str
    latency_ms: float
    output: Any
    error: str | None


@dataclass(frozen=True)
class Run:
    """One load run against one app: the replies, the app's /proc figures before and after,
    the questions its audit log recorded, and this process's CPU seconds."""

    concurrency: int
    users: int
    asked: list[str]
    replies: list[Reply]
    wall_s: float
    app_before: dict[str, float]
    app_after: dict[str, float]
    audited: list[str]
    client_cpu_s: float


def questions(total: int) -> list[str]:
    """`total` questions from the evaluation cases, alternating Swedish and English."""
    cases = load_cases()
    by_lang = [[c.question for c in cases if c.language == lang] for lang in ("sv", "en")]
    mixed = [q for pair in zip_longest(*by_lang) for q in pair if q]
    return [mixed[i % len(mixed)] for i in range(total)]


def message_text(message: dict[str, Any]) -> str:
    """The text of one chat message (a string, or Gradio's list of typed parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))


def reply_error(output: Any, question: str) -> str | None:
    """What is wrong with one `/ask` output (chat, sources, question box), or None."""
    try:
        chat, sources, box = output
        user, bot = chat
        roles = (user.get("role"), bot.get("role"))
    except (TypeError, ValueError, AttributeError):
        return f"unexpected output shape: {str(output)[:120]}"
    if roles != ("user", "assistant"):
        return f"unexpected roles: {roles}"
    if plain(message_text(user)) != question:
        return "the chat shows another question"
    answer = message_text(bot).strip()
    if not answer or FAILED in answer:
        return f"error reply: {answer[:120] or '(empty)'}"
    if not isinstance(sources, str) or box != "":
        return "unexpected sources panel or question box"
    return None


def ask(client: Client, question: str) -> Reply:
    """Ask one question as a new chat, timing it; an exception becomes the reply's error."""
    started = time.perf_counter()
    try:
        job = client.submit(question, [], "auto", api_name="/ask")
        output = job.result(timeout=REQUEST_TIMEOUT_S)
        error = reply_error(output, question)
    except Exception as err:  # every failure is counted; none stops the run
        output, error = None, f"{type(err).__name__}: {err}"
    return Reply(question, (time.perf_counter() - started) * 1000, output, error)


def _user(client: Client, todo: queue.SimpleQueue[str], replies: list[Reply],
          deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            question = todo.get_nowait()
        except queue.Empty:
            return
        replies.append(ask(client, question))


def run_users(url: str, users: int, asked: Sequence[str], timeout_s: float
              ) -> tuple[list[Reply], float]:
    """Ask every question once, shared among `users` threads; (replies, wall seconds)."""
    clients = [Client(url, verbose=False) for _ in range(users)]
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for question in asked:
        todo.put(question)
    replies: list[Reply] = []
    started = time.monotonic()
    threads = [threading.Thread(target=_user, args=(c, todo, replies, started + timeout_s),
                                daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, started + timeout_s + REQUEST_TIMEOUT_S - time.monotonic()))
    wall = time.monotonic() - started
    for client in clients:
        client.close()
    return list(replies), wall
