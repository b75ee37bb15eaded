"""The CLI contract that the tests and later tools rely on: run in this process
(`assistant.front.cli.main`), and the console script as a real process for the main answer and
for a bad setting."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import Cli

SV = "Hur ofta ska de kreativa städerna rapportera till Unesco?"
EN = "What must a creative city report to the Swedish National Commission, and when?"
KEYS = {"question", "language", "answer", "abstained", "citations", "backend", "timings_ms"}
CITATION_KEYS = {"n", "doc_id", "title", "section", "quote", "original", "chunk_id", "page",
                 "lead_in", "label", "language", "parallel", "parallel_language",
                 "parallel_original"}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The `assistant` console script as a real process."""
    return subprocess.run(["assistant", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def ask_json(cli: Cli, env: dict[str, str], question: str) -> dict:
    done = cli(env, "ask", "--json", question)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_swedish_question_answered_in_swedish_with_the_passage(cli_env):
    done = run(cli_env, "ask", "--json", SV)  # the console script, as a real process
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= KEYS and out["language"] == "sv" and not out["abstained"]
    assert "[1]" in out["answer"] and out["backend"] == "extractive"
    quotes = [c["quote"] for c in out["citations"]]
    assert any("Vart fjärde år ska de kreativa städerna rapportera" in q for q in quotes)
    assert all(set(c) == CITATION_KEYS and c["page"] is None and c["parallel"] is None
               for c in out["citations"])  # no wording was asked for
    assert set(out["timings_ms"]) == {"retrieve", "answer", "total"}


def test_english_question_cites_translation_with_swedish_original(cli: Cli, cli_env):
    out = ask_json(cli, cli_env, EN)
    assert out["language"] == "en" and not out["abstained"]
    cited = next(c for c in out["citations"] if "At the end of each year" in c["quote"])
    assert "Swedish National Commission for UNESCO" in cited["quote"]
    assert cited["original"].startswith("I slutet av varje år rapportera")
    assert cited["doc_id"] == "riktlinjer-kreativa-stader.en"
    assert "Goals at national level" in cited["section"]


def test_unanswerable_question_abstains(cli: Cli, cli_env):
    out = ask_json(cli, cli_env, "What does membership cost?")
    assert out["abstained"] and out["citations"] == []
    assert "The guidelines do not say" in out["answer"] and "Svenska Unescorådet" in out["answer"]


def test_human_output_lists_sources(cli: Cli, cli_env):
    done = cli(cli_env, "ask", SV)
    assert done.returncode == 0
    assert "Källor:" in done.stdout and "[1] Riktlinjer för Unescos kreativa städer" in done.stdout


def test_batch_mode_reads_stdin_one_object_per_line(cli: Cli, cli_env):
    done = cli(cli_env, "ask", "--json", "-", stdin=f"{SV}\n\n{EN}\nWhat does membership cost?\n")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["language"] for o in lines] == ["sv", "en", "en"]
    assert [o["abstained"] for o in lines] == [False, False, True]


def test_batch_reports_a_bad_line_in_place_and_goes_on(cli: Cli, cli_env):
    long_line = "Varför " * 400
    done = cli(cli_env, "ask", "--json", "-", stdin=f"{long_line}\n{SV}\n")
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert "keep it under" in first["error"] and not second["abstained"]


def test_lang_option_forces_answer_language(cli: Cli, cli_env):
    out = json.loads(cli(cli_env, "ask", "--json", "--lang", "en", SV).stdout)
    assert out["language"] == "en" and "Every four years" in out["answer"]


@pytest.mark.parametrize(("args", "message"), [
    (["ask", ""], "question is empty"),
    (["ask", "--json", "   "], "question is empty"),
    (["ask", "--lang", "de", "Fråga?"], "invalid choice: 'de'"),
    (["ask", "--backend", "gpt", "Fråga?"], "invalid choice: 'gpt'"),
    (["ask", "-k", "0", "Fråga?"], "-k must be between 1 and 20"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(cli: Cli, cli_env, args, message):
    done = cli(cli_env, *args)
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_no_index_exits_2_naming_the_fix(cli: Cli, cli_env, tmp_path):
    done = cli({**cli_env, "ASSISTANT_DATA_DIR": str(tmp_path)}, "ask", SV)
    assert done.returncode == 2
    assert done.stderr.strip() == (f"assistant: No index at {tmp_path / 'index'}; "
                                   "run `make run` or `assistant ingest`.")


def test_an_invalid_setting_names_the_variable(cli_env):
    done = run(  # the console script, as a real process: no traceback reaches the terminal
        cli_env | {"ASSISTANT_LLM_TIMEOUT": "-1"}, "ask", SV)
    assert done.returncode == 2
    assert done.stderr.startswith("assistant: ASSISTANT_LLM_TIMEOUT is invalid")
    assert "Traceback" not in done.stderr
