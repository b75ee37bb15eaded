"""The obligations register (every "ska" clause of the guideline, found by rules at ingest)
against a list made by hand from the guideline, and the reporting calendar's arithmetic."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.core.types import Obligation
from assistant.features.obligations import (
    DESIGNATED,
    by_actor,
    due,
    load_register,
    next_four_yearly,
    register_text,
)
from assistant.front.handlers import calendar_update
from tests.conftest import Cli

GUIDELINE = Path(__file__).resolve().parent.parent / "corpus" / "riktlinjer-kreativa-stader.sv.md"
CITIES, COUNCIL = "creative cities", "Svenska Unescorådet"
YEARLY, FOUR, ANNUAL, ONGOING = ("each year, at year end", "every four years", "annually",
                                 "ongoing")
# Read off the guideline by hand: (block, actor, level, when, to whom, language).
EXPECTED = [
    ("moten-2", CITIES, "", FOUR, "UNESCO", ""),
    ("mal-allman-2", CITIES, "general", ONGOING, "", ""),
    *[(f"mal-global-{n}", CITIES, "global", ONGOING, "", "") for n in range(2, 7)],
    *[(f"mal-nationell-{n}", CITIES, "national", ONGOING, "", "") for n in range(2, 8)],
    ("mal-nationell-8", CITIES, "national", YEARLY, "Svenska Unescorådet", "English"),
    *[(f"unescoradet-{n}", COUNCIL, "", ONGOING, "", "") for n in (2, 3, 4)],
    ("unescoradet-5", COUNCIL, "", ANNUAL, "", ""),
    ("unescoradet-6", COUNCIL, "", ONGOING, "", ""),
]


@pytest.fixture(scope="module")
def register(data_dir: Path) -> list[Obligation]:
    return load_register(data_dir / "index")


def _row(o: Obligation) -> tuple[str, ...]:
    return (o.block_id, o.actor, o.level, o.when, o.to_whom, o.language)


def test_every_shall_clause_is_found_and_none_invented(register: list[Obligation]):
    assert [_row(o) for o in register] == EXPECTED


def test_each_row_quotes_its_clause_and_its_translation(register: list[Obligation]):
    source = re.sub(r"\[\^\d+\]", "", GUIDELINE.read_text(encoding="utf-8"))  # footnote marks
    for row in register:
        assert f"{row.requirement} {{#{row.block_id}}}" in source
        assert row.requirement_en and row.section and row.chunk_id
    yearly = next(r for r in register if r.when == YEARLY)
    assert "At the end of each year" in yearly.requirement_en


def test_filter_by_actor_in_any_case(register: list[Obligation]):
    assert len(by_actor(register, "svenska unescorådet")) == 5
    assert len(by_actor(register, "Creative Cities")) == 14
    with pytest.raises(AssistantError, match="No actor 'UNESCO'.*creative cities"):
        by_actor(register, "UNESCO")


@pytest.mark.parametrize(("designated", "year", "reports"), [
    (2010, 2026, [("UNESCO", "2026"), ("Svenska Unescorådet", "31 December 2026")]),
    (2017, 2026, [("Svenska Unescorådet", "31 December 2026")]),
    (2017, 2021, [("UNESCO", "2021"), ("Svenska Unescorådet", "31 December 2021")]),
    (2017, 2025, [("UNESCO", "2025"), ("Svenska Unescorådet", "31 December 2025")]),
    (2017, 2017, [("Svenska Unescorådet", "31 December 2017")]),
])
def test_the_calendar_counts_four_years_from_designation(register: list[Obligation],
                                                         designated: int, year: int,
                                                         reports: list[tuple[str, str]]):
    owed = due(register, designated, year, "en")
    assert [(d.report.to_whom, d.deadline) for d in owed] == reports


@pytest.mark.parametrize(("designated", "year", "after"), [
    (2010, 2027, 2030), (2017, 2026, 2029), (2017, 2017, 2021), (2010, 2026, 2026)])
def test_the_next_four_yearly_report(designated: int, year: int, after: int):
    assert next_four_yearly(designated, year) == after


def test_a_year_before_designation_is_refused(register: list[Obligation]):
    with pytest.raises(AssistantError, match="2009 is before the designation year 2010"):
        due(register, 2010, 2009, "sv")


def test_the_register_is_worded_in_either_language(register: list[Obligation]):
    yearly = next(r for r in register if r.when == YEARLY)
    english, swedish = register_text(yearly, "en"), register_text(yearly, "sv")
    assert "· to Svenska Unescorådet · in English\n" in english
    assert "· till Svenska Unescorådet · språk: English\n" in swedish
    cited = f"  — Riktlinjer för Unescos kreativa städer i Sverige, {yearly.section}"
    assert english.endswith(cited) and swedish.endswith(cited)


def test_the_app_shows_the_calendar_in_swedish_then_in_english(register: list[Obligation]):
    shown = calendar_update(register, "Östersund", 2030)
    swedish = shown.index("Östersund (utnämnd 2010): rapporter att lämna 2030")
    english = shown.index("Östersund (designated 2010): reports due in 2030")
    assert swedish < english and "senast 31 december 2030" in shown[:english]
    assert "by 2030: report to UNESCO" in shown[english:]


def test_cli_register_as_json_and_csv(cli: Cli, cli_env: dict[str, str]):
    done = cli(cli_env, "obligations", "--json", "--actor", "Svenska Unescorådet")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["block_id"] for r in rows] == [f"unescoradet-{n}" for n in range(2, 7)]
    table = list(csv.DictReader(io.StringIO(cli(cli_env, "obligations", "--csv").stdout)))
    assert len(table) == len(EXPECTED) and table[0]["when"] == FOUR


def test_cli_calendar_for_norrkoping(cli: Cli, cli_env: dict[str, str]):
    done = cli(cli_env, "calendar", "--city", "Norrköping", "--year", "2026")
    assert done.returncode == 0, done.stderr
    assert "by 31 December 2026: report to Svenska Unescorådet (each year, in English)" in \
        done.stdout
    assert "next four-yearly one falls in 2029" in done.stdout
    swedish = cli(cli_env, "calendar", "--city", "Norrköping", "--year", "2026", "--lang", "sv")
    assert "Norrköping (utnämnd 2017): rapporter att lämna 2026" in swedish.stdout
    assert "- senast 31 december 2026: rapport till Svenska Unescorådet (varje år, på " \
        "engelska)" in swedish.stdout
    assert "nästa fyraårsrapport ska lämnas 2029" in swedish.stdout
    bad = cli(cli_env, "calendar", "--city", "Malmö")
    assert bad.returncode == 2 and "invalid choice: 'Malmö'" in bad.stderr


def test_an_index_without_a_register_names_the_fix(tmp_path: Path, data_dir: Path):
    with pytest.raises(AssistantError, match="No index at"):
        load_register(tmp_path / "index")


def test_the_designation_years_are_the_guidelines():
    text = GUIDELINE.read_text(encoding="utf-8")
    assert "Östersund utsågs 2010" in text
    assert "Norrköping utsågs som kreativ stad inom musik 2017" in text
    assert DESIGNATED == {"Östersund": 2010, "Norrköping": 2017}
