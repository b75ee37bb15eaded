"""Command line: `assistant ingest` and `ask`; for city staff `obligations` and `calendar`,
for prospective cities `membership`, for Council staff `draft`; `audit` exports the log."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import NoReturn

from assistant.core.errors import AssistantError
from assistant.core.settings import BACKENDS, LANG_CHOICES, Settings, load_settings
from assistant.features.obligations import DESIGNATED
from assistant.front.commands import (
    run_ask,
    run_audit,
    run_calendar,
    run_draft,
    run_ingest,
    run_membership,
    run_obligations,
)

EXIT_BAD_INPUT = 2


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors that say how to get help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> Parser:
    """The `assistant` command and its subcommands."""
    parser = Parser(prog="assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    ingest = sub.add_parser("ingest", help="Build or update the index from the corpus.")
    ingest.add_argument("--rebuild", action="store_true",
                        help="Rebuild and re-embed everything, even if unchanged.")
    ingest.add_argument("--dry-run", action="store_true",
                        help="Show what would change, without writing anything.")
    ingest.add_argument("--fetch", action="store_true",
                        help="Download missing referenced documents that have a download link.")
    ingest.add_argument("--questions", action="store_true",
                        help="Then write the question bank's missing questions with the "
                        "configured language model (ASSISTANT_BACKEND=llamacpp or openai).")
    ask = sub.add_parser("ask", help="Ask a question ('-' reads one per line from stdin).")
    ask.add_argument("question", help="The question, or '-' for one question per stdin line.")
    ask.add_argument("--json", action="store_true", help="Print one JSON object per answer.")
    ask.add_argument("--lang", choices=LANG_CHOICES, default="auto")
    ask.add_argument("--backend", choices=BACKENDS, default=None)
    ask.add_argument("-k", type=int, default=None,
                     help="Passages a generated answer is given (1-20).")
    register = sub.add_parser("obligations", help="Every 'ska' clause of the guideline: who "
                              "must do what, when, to whom, with its citation.")
    register.add_argument("--actor", help="Only this actor: 'creative cities' or "
                          "'Svenska Unescorådet'.")
    register.add_argument("--lang", choices=("sv", "en"), default="en",
                          help="The wording's language (the register's fields are English).")
    output = register.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="Print the rows as JSON.")
    output.add_argument("--csv", action="store_true", help="Print the rows as CSV.")
    calendar = sub.add_parser("calendar", help="What a creative city must report in a year.")
    city = calendar.add_mutually_exclusive_group(required=True)
    city.add_argument("--city", choices=sorted(DESIGNATED), help="A Swedish creative city.")
    city.add_argument("--designated", type=int, help="The city's designation year.")
    calendar.add_argument("--year", type=int, default=date.today().year,
                          help="The year to plan (default: this year).")
    calendar.add_argument("--lang", choices=("sv", "en"), default="en",
                          help="The wording's language (default: en).")
    calendar.add_argument("--json", action="store_true", help="Print the reports as JSON.")
    member = sub.add_parser("membership", help="For prospective cities: what the sources say "
                            "about joining the network, each answer cited.")
    member.add_argument("--lang", choices=("sv", "en"), default="sv")
    member.add_argument("--json", action="store_true", help="Print the answers as JSON.")
    draft = sub.add_parser("draft", help="Draft a formal reply to an email (a file, or '-' "
                           "for stdin), answering its questions with numbered citations.")
    draft.add_argument("email", help="The email as a text file, or '-' to read stdin.")
    draft.add_argument("--lang", choices=LANG_CHOICES, default="auto",
                       help="The reply's language (default: the email's).")
    draft.add_argument("--out", type=Path, help="Also write OUT.md and OUT.docx.")
    audit = sub.add_parser("audit", help="Export the audit log: each answer with its feedback.")
    audit.add_argument("--csv", action="store_true", help="CSV instead of JSON.")
    ask.add_argument("--out", type=Path, help="Also write the answer as OUT.md and OUT.docx.")
    return parser


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "ingest": run_ingest,
    "ask": run_ask,
    "obligations": run_obligations,
    "calendar": run_calendar,
    "membership": run_membership,
    "draft": run_draft,
    "audit": run_audit,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `assistant` console script."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](load_settings(), args)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `assistant obligations | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
