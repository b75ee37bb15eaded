"""Command line: `assistant ingest` and `assistant ask` (the contract the tests rely on)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn

from assistant.errors import AssistantError
from assistant.format import to_json, to_text
from assistant.settings import BACKENDS, LANG_CHOICES, Settings, load_settings

if TYPE_CHECKING:
    from assistant.service import Assistant
    from assistant.types import Answer
    from ingest.pipeline import IngestReport

EXIT_BAD_INPUT = 2
DRAFT_HEADER = "Draft (being checked against the sources):"
VERIFIED_HEADER = "Checked answer:"


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
    ask = sub.add_parser("ask", help="Ask a question ('-' reads one per line from stdin).")
    ask.add_argument("question", help="The question, or '-' for one question per stdin line.")
    ask.add_argument("--json", action="store_true", help="Print one JSON object per answer.")
    ask.add_argument("--lang", choices=LANG_CHOICES, default="auto")
    ask.add_argument("--backend", choices=BACKENDS, default=None)
    ask.add_argument("-k", type=int, default=None, help="Passages to retrieve (1-20).")
    return parser


def run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Ingest with a progress bar, then a line per document and a summary."""
    from rich.progress import Progress

    from assistant.embeddings import make_embedder
    from ingest.pipeline import ingest

    with Progress(transient=True) as bar:
        task = bar.add_task("Embedding new or changed passages", total=None)
        report = ingest(
            settings.corpus_dir, settings.index_dir, embedder=settings.embedder,
            embeddings=lambda: make_embedder(settings.embedder), rebuild=args.rebuild,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            sources_dir=settings.sources_dir, fetch=args.fetch, dry_run=args.dry_run,
            store=settings.store_config(),
        )
    print("\n".join(ingest_lines(report, settings)))
    return 0


def _source_lines(report: IngestReport, settings: Settings) -> list[str]:
    """Each referenced document without a usable copy, or one line when there is no sources
    folder at all."""
    folder = settings.sources_dir
    if report.sources and (folder is None or not folder.is_dir()):
        return [f"  {len(report.sources)} referenced documents are not indexed: no sources "
                f"folder at {folder}; set ASSISTANT_SOURCES_DIR (see the README)."]
    return [f"  {s.source.id}: {s.state}, {s.message}" for s in report.sources
            if s.state != "found"]


def ingest_lines(report: IngestReport, settings: Settings) -> list[str]:
    """Per document what happened (or would), each missing source with where to get it,
    and a summary line."""
    would = "would be " if report.dry_run else ""
    lines = [f"  {c.doc_id}: {would if c.state != 'unchanged' else ''}{c.state} "
             f"({c.chunks} passages)" for c in report.changes]
    lines += _source_lines(report, settings)
    if report.dry_run:
        verb = ("Dry run, nothing written:" if report.changed
                else "Dry run: the index is up to date;")
        lines.append(f"{verb} {report.chunk_count} passages from {len(report.documents)} "
                     "documents.")
    elif report.changed:
        lines.append(f"Indexed {report.chunk_count} passages from {len(report.documents)} "
                     f"documents ({settings.embedder}; {report.embedded} vectors embedded, "
                     f"{report.copied} reused) in {report.seconds:.1f} s -> {settings.index_dir}")
    else:
        lines.append(f"Index is up to date, nothing changed: {report.chunk_count} passages from "
                     f"{len(report.documents)} documents ({settings.embedder}) in "
                     f"{report.seconds:.1f} s -> {settings.index_dir}")
    return lines


def questions(arg: str) -> Iterator[str]:
    """The question itself, or each non-blank stdin line for '-'."""
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        if line.strip():
            yield line


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, or a batch from stdin, loading the models once."""
    k = args.k if args.k is not None else settings.top_k
    if not 1 <= k <= 20:
        raise AssistantError(f"-k must be between 1 and 20, not {k}.")
    if args.question != "-" and not args.question.strip():
        raise AssistantError("The question is empty; ask a question in Swedish or English.")
    from assistant.service import load_assistant  # models load only for `ask`

    backend = args.backend or settings.backend
    assistant = load_assistant(settings.index_dir, settings.embedder, backend, k,
                               settings.llm_config(backend))
    for question in questions(args.question):
        _answer_one(assistant, question, args)
    return 0


def _streamed(assistant: Assistant, question: str, lang: str) -> Answer:
    """Print the draft as the model writes it, then return the verified answer."""
    drafting = False
    for event in assistant.stream(question, lang):
        if isinstance(event, str):
            print(event if drafting else f"{DRAFT_HEADER}\n{event}", end="", flush=True)
            drafting = True
        else:
            if drafting:
                print(f"\n\n{VERIFIED_HEADER}", flush=True)
            return event
    raise AssistantError("The answer stream ended without an answer; please try again.")


def _answer_one(assistant: Assistant, question: str, args: argparse.Namespace) -> None:
    try:
        if args.json or assistant.model is None:
            answer = assistant.ask(question, args.lang)
        else:
            answer = _streamed(assistant, question, args.lang)
    except AssistantError as err:
        if args.question != "-":
            raise
        # In a batch, one bad line is reported in place and the rest are still answered.
        error = {"question": question.strip(), "error": str(err)}
        print(json.dumps(error, ensure_ascii=False) if args.json else f"assistant: {err}",
              flush=True)
        return
    if args.json:
        print(json.dumps(to_json(answer), ensure_ascii=False), flush=True)
    else:
        print(to_text(answer) + "\n", flush=True)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "ingest": run_ingest,
    "ask": run_ask,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `assistant` console script."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](load_settings(), args)
    except AssistantError as err:
        print(f"assistant: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
