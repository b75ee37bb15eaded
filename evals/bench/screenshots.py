"""`python -m evals.bench.screenshots`: the screenshots of the README and the user guides, one
per user group's entry point (the chat, the obligations and reporting calendar, the membership
path, draft replies), taken from the real app in Debian's headless Chromium. Writes
docs/screenshots/*.png."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from assistant.core.settings import REPO_ROOT, Settings
from evals.bench.app_process import NO_TELEMETRY, running_app, wait_ready
from evals.bench.servers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
OUT = REPO_ROOT / "docs" / "screenshots"
TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1280, "height": 900}
EMAIL = ("Dear Svenska Unescorådet,\n\nOur city is thinking of joining the Creative Cities "
         "Network. Who assesses applications from Swedish cities? Is the National Commission "
         "encouraging new applications at the moment? What does membership cost?\n\n"
         "Kind regards,\nMaria")


def _ask(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#question textarea").fill(
        "What must a creative city report to the Swedish National Commission, and when?")
    page.locator("#ask").click()
    page.locator("#sources").get_by_text("Swedish original").first.wait_for()


def _obligations(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Städer: skyldigheter / Cities: obligations").click()
    page.locator("#calendar").get_by_text("31 December").first.wait_for()


def _membership(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Bli kreativ stad / Joining").click()
    page.locator("#membership-show").click()
    page.locator("#membership").get_by_text("Bedöma svenska städers").first.wait_for()


def _draft(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Svarsutkast / Draft a reply").click()
    page.locator("#email textarea").fill(EMAIL)
    page.locator("#draft").click()
    page.locator("#draft-text").get_by_text("Kind regards").first.wait_for()


SHOTS: dict[str, Callable] = {"ask": _ask, "obligations": _obligations,  # type: ignore[type-arg]
                              "membership": _membership, "draft": _draft}


def take(url: str, out: Path) -> list[Path]:
    """Open the app once per shot (a fresh page each), do what the user would, save a PNG."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, steps in SHOTS.items():
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url, wait_until="domcontentloaded")
            page.locator("#question textarea").wait_for()
            steps(page)
            page.wait_for_timeout(500)  # let the last update paint
            saved.append(out / f"{name}.png")
            page.screenshot(path=str(saved[-1]))
            page.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    """Start the app on a free loopback port over the data folder, take the screenshots."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench.screenshots", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Settings().data_dir,
                        help="A data folder with an index (default: the app's).")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Install Debian's chromium first: apt-get install chromium", file=sys.stderr)
        return 2
    port = free_port()
    env = os.environ | NO_TELEMETRY | {
        "ASSISTANT_DATA_DIR": str(args.data_dir), "ASSISTANT_PORT": str(port),
        "ASSISTANT_HOST": "127.0.0.1", "ASSISTANT_AUDIT": "false"}
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "app.log"
        with running_app(env, log) as proc:
            wait_ready(url, proc, log)
            for path in take(url, args.out):
                print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
