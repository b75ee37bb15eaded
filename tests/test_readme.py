"""The README is tested: its two commands exist, and its CLI examples run."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

from assistant.settings import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_leads_with_the_two_commands():
    first_block = README.split("```")[1]
    assert re.search(r"^make run\b", first_block, re.M)
    assert re.search(r"^make test\b", first_block, re.M)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_cli_examples_run(cli_env):
    examples = re.findall(r"^\.venv/bin/assistant (ask .*)$", README, re.M)
    assert len(examples) == 3
    for example in examples:
        args = shlex.split(example)
        done = subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=cli_env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        if "--json" in args:
            assert json.loads(done.stdout)["citations"] is not None


def test_readme_settings_table_matches_settings():
    from assistant.settings import Settings

    documented = set(re.findall(r"`ASSISTANT_([A-Z_]+)`", README))
    assert documented == {name.upper() for name in Settings.model_fields}
