"""The README is tested: its two commands exist, its CLI examples run, its settings and module
map match the code, and its links and the docs' links resolve."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from assistant.core.settings import REPO_ROOT
from tests.conftest import Cli

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_leads_with_the_two_commands():
    first_block = README.split("```")[1]
    assert re.search(r"^make run\b", first_block, re.M)
    assert re.search(r"^make test\b", first_block, re.M)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_cli_examples_run(cli: Cli, cli_env):
    examples = re.findall(r"^\.venv/bin/assistant (ask .*)$", README, re.M)
    assert len(examples) == 3
    for example in examples:
        args = shlex.split(example)
        done = cli(cli_env, *args)
        assert done.returncode == 0, done.stderr
        if "--json" in args:
            assert json.loads(done.stdout)["citations"] is not None


@pytest.mark.parametrize("page", ["README.md", "docs/operations.md"])
def test_readme_settings_table_matches_settings(page: str):
    from assistant.core.settings import Settings

    text = (REPO_ROOT / page).read_text(encoding="utf-8")
    documented = set(re.findall(r"`ASSISTANT_([A-Z_]+)`", text))
    assert documented == {name.upper() for name in Settings.model_fields}


def module_map() -> list[str]:
    """The paths named in the first column of the README's module map."""
    section = README.split("## Module map", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row)]


def test_readme_module_map_names_paths_that_exist():
    paths = module_map()
    assert "assistant/pipeline/" in paths
    assert [p for p in paths if not (REPO_ROOT / p).exists()] == []


def test_readme_module_map_covers_every_module():
    named = module_map()
    modules = [m.relative_to(REPO_ROOT).as_posix() for package in ("assistant", "ingest", "evals")
               for m in (REPO_ROOT / package).rglob("*.py") if m.name != "__init__.py"]
    unmapped = [m for m in modules
                if not any(m == p or (p.endswith("/") and m.startswith(p)) for p in named)]
    assert unmapped == [], "add these to the README's module map"


def anchors(page: Path) -> set[str]:
    """The anchors of a Markdown page's headings, as GitHub makes them."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_links_between_readme_and_docs_resolve(page: Path):
    targets = [t for t in LINK.findall(page.read_text(encoding="utf-8"))
               if not re.match(r"[a-z]+:", t)]
    broken = []
    for target in targets:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_readme_links_every_docs_page():
    linked = {(REPO_ROOT / t.partition("#")[0]).resolve() for t in LINK.findall(README)}
    assert [p.name for p in PAGES[1:] if p.resolve() not in linked] == []
