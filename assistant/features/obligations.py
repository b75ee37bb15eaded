"""The obligations register as the index stores it (written at ingest by
ingest.obligations), filtered by actor, and the reporting calendar: what a creative city
must report in a given year, from its designation year."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.types import Language, Obligation
from assistant.storage.manifest import current_build

OBLIGATIONS = "obligations.json"
DESIGNATED = {"Östersund": 2010, "Norrköping": 2017}  # as the guideline states
YEAR_END = "each year, at year end"
FOUR_YEARLY = "every four years"


def save_register(folder: Path, rows: list[Obligation]) -> None:
    """Write the register into a build folder."""
    data = [asdict(row) for row in rows]
    (folder / OBLIGATIONS).write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                      encoding="utf-8")


def load_register(index_dir: Path) -> list[Obligation]:
    """The register of the current index build."""
    folder = current_build(index_dir)
    if folder is None:
        raise AssistantError(f"No index at {index_dir}; run `make run` or `assistant ingest`.")
    return read_register(folder)


def read_register(build: Path) -> list[Obligation]:
    """The register stored in one index build folder."""
    path = build / OBLIGATIONS
    if not path.is_file():
        raise AssistantError(f"The index at {build} has no obligations register; run "
                             "`assistant ingest --rebuild`.")
    return [Obligation(**row) for row in json.loads(path.read_text(encoding="utf-8"))]


def by_actor(rows: list[Obligation], actor: str | None) -> list[Obligation]:
    """The rows of one actor ("creative cities", "Svenska Unescorådet"; any case)."""
    if not actor:
        return rows
    actors = sorted({r.actor for r in rows})
    wanted = [a for a in actors if a.lower() == actor.strip().lower()]
    if not wanted:
        raise AssistantError(f"No actor {actor!r} in the register; use one of: "
                             f"{', '.join(actors)}.")
    return [r for r in rows if r.actor == wanted[0]]


def to_csv(rows: list[Obligation]) -> str:
    """The register as CSV, one row per clause."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(Obligation)])
    writer.writeheader()
    writer.writerows(asdict(r) for r in rows)
    return out.getvalue()


@dataclass(frozen=True)
class Due:
    """One report a city owes in a year."""

    report: Obligation
    year: int
    deadline: str  # "31 December 2026", or the year alone when the guideline gives no day
    note: str  # deadline and note are worded in the language asked for


def due(rows: list[Obligation], designated: int, year: int, language: Language) -> list[Due]:
    """The reports a city designated in `designated` owes in `year`: the yearly report to
    Svenska Unescorådet at year end, and the report to UNESCO in every fourth year after
    designation (the guideline says "every four years"; counting from the designation year
    is this calendar's reading, UNESCO sets the exact date)."""
    if year < designated:
        raise AssistantError(f"{year} is before the designation year {designated}.")
    reports = [r for r in rows if r.actor == "creative cities" and r.to_whom]
    owed = []
    for report in reports:
        if report.when == YEAR_END:
            yearly = ("calendar.yearly_in_english" if report.language == "English"
                      else "calendar.yearly")
            owed.append(Due(report, year, message("calendar.year_end", language, year=year),
                            message(yearly, language)))
        elif report.when == FOUR_YEARLY and year > designated and \
                (year - designated) % 4 == 0:
            owed.append(Due(report, year, str(year),
                            message("calendar.four_yearly", language, designated=designated)))
    return owed


def next_four_yearly(designated: int, year: int) -> int:
    """The first year from `year` on in which the four-yearly report to UNESCO falls."""
    passed = max(0, year - designated)
    return designated + 4 * max(1, -(-passed // 4))


def register_text(row: Obligation, language: Language) -> str:
    """One obligation for the terminal: who, level, when, to whom, then the clause."""
    to_whom = message("register.to", language, whom=row.to_whom) if row.to_whom else ""
    in_language = (message("register.language", language, name=row.language)
                   if row.language else "")
    head = " · ".join(f for f in (row.actor, row.level, row.when, to_whom, in_language) if f)
    return (f"[{row.block_id}] {head}\n  {row.requirement}\n  ({row.requirement_en})\n"
            f"  {message('register.cited', language, section=row.section)}")


def calendar_text(city: str, designated: int, year: int, owed: list[Due],
                  language: Language) -> str:
    """What a city must report in a year, each with its clause and citation (`owed` worded
    in the same language)."""
    lines = [message("calendar.heading", language, city=city, designated=designated, year=year)]
    for d in owed:
        lines.append(message("calendar.due", language, deadline=d.deadline,
                             whom=d.report.to_whom, note=d.note)
                     + f"\n  \"{d.report.requirement}\" [{d.report.block_id}]")
    if not any(d.report.when == FOUR_YEARLY for d in owed):
        lines.append(message("calendar.none_to_unesco", language,
                             year=next_four_yearly(designated, year)))
    return "\n".join(lines)
