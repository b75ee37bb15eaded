"""What each `assistant` subcommand does: ingest (with its progress and report), ask, and one
command per user group (obligations and calendar for city staff, membership for prospective
cities, draft and audit for Council staff). Each takes the settings and the parsed arguments and
returns the exit code."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.settings import Settings
from assistant.features.audit import export, export_csv, open_audit
from assistant.features.draft import draft_reply
from assistant.features.export import from_answer, to_markdown, write_exports
from assistant.features.membership import membership_path, membership_text
from assistant.features.obligations import (
    DESIGNATED,
    by_actor,
    calendar_text,
    due,
    load_register,
    register_text,
    to_csv,
)
from assistant.pipeline.format import to_json, to_text
from assistant.pipeline.llm import LLMConfig
from assistant.storage.store import StoreConfig

if TYPE_CHECKING:
    from assistant.core.types import Answer, Reply
    from assistant.pipeline.service import Assistant
    from ingest.pipeline import IngestReport


def run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Ingest with a progress bar, then a line per document and a summary; with
    `--questions`, then write the question bank's missing questions."""
    from rich.progress import Progress

    from assistant.storage.embeddings import cached_embedder
    from ingest.pipeline import ingest

    write_questions = _question_writer(settings, args)  # refused before any work
    with Progress(transient=True) as bar:
        task = bar.add_task("Embedding new or changed passages", total=None)
        report = ingest(
            settings.corpus_dir, settings.index_dir, embedder=settings.embedder,
            embeddings=lambda: cached_embedder(settings.embedder, settings.data_dir,
                                               read=not args.rebuild),
            rebuild=args.rebuild,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            sources_dir=settings.sources_dir, fetch=args.fetch, dry_run=args.dry_run,
            store=StoreConfig.from_settings(settings),
        )
    print("\n".join(ingest_lines(report, settings)))
    return write_questions(report) if write_questions else 0


def _question_writer(settings: Settings, args: argparse.Namespace
                     ) -> Callable[[IngestReport], int] | None:
    """With `--questions`: the step that writes the bank's missing questions after the
    ingest (ingest/questions.py); the extractive backend is refused here, before the ingest."""
    if not args.questions:
        return None
    if args.dry_run:
        raise AssistantError("--questions writes the question bank; run it without --dry-run.")
    from ingest.questions import question_writer

    return question_writer(settings)


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
    lines += [f"  {f.doc_id}: passage {f.block_id} is not indexed: it addresses an AI model "
              f"(\"{f.excerpt}…\"); review {f.path or 'that document'}." for f in report.flagged]
    lines += bank_lines(report)
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


def bank_lines(report: IngestReport) -> list[str]:
    """How the question bank matches the passages, and what to run when it does not."""
    bank = report.bank
    if bank is None:
        return []
    lines = [f"  question bank: {len(bank.questions)} questions"]
    without = len(bank.stale) + len(bank.missing)
    if without:
        lines.append(f"  question bank: {len(bank.stale)} changed and {len(bank.missing)} new "
                     "passages have no current questions; run `assistant ingest --questions` "
                     "to write them with the configured language model.")
    return lines


def questions(arg: str) -> Iterator[str]:
    """The question itself, or each non-blank stdin line for '-'."""
    if arg != "-":
        yield arg
        return
    if isinstance(sys.stdin, io.TextIOWrapper):  # bad bytes reach clean_question, which
        sys.stdin.reconfigure(errors="surrogateescape")  # reports that line, not a crash
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
    if args.out and args.question == "-":
        raise AssistantError("--out writes one answer; ask one question with it, or use "
                             "--json for a batch.")
    from assistant.pipeline.service import load_assistant  # models load only for `ask`

    backend = args.backend or settings.backend
    assistant = load_assistant(settings.index_dir, settings.embedder, backend, k,
                               LLMConfig.from_settings(settings, backend),
                               StoreConfig.from_settings(settings), settings.bounds())
    audit = open_audit(settings.audit_path)
    for question in questions(args.question):
        answer = _answer_one(assistant, question, args)
        if answer is not None and audit is not None:
            audit.record(answer, "cli")
        if answer is not None and args.out:
            _export(from_answer(answer), args.out)
    return 0


def _export(reply: Reply, out: Path) -> None:
    """Write OUT.md and OUT.docx, and say where (on stderr, so stdout stays the answer)."""
    markdown, word = write_exports(reply, out.parent, out.name)
    print(f"Wrote {markdown} and {word}", file=sys.stderr)


def _streamed(assistant: Assistant, question: str, lang: str) -> Answer:
    """Print each sentence of the model's answer once it has passed the check, then return
    the verified answer (nothing unchecked is printed); the headers are in its language."""
    from assistant.pipeline.service import clean_question, resolve_language

    text = clean_question(question, assistant.bounds.question_chars)
    language, _ = resolve_language(text, lang, assistant.tuning.reading)
    drafting = False
    for event in assistant.stream(question, lang):
        if isinstance(event, str):
            header = "" if drafting else f"{message('cli.checking', language)}\n"
            print(f"{header}{event}", end="", flush=True)
            drafting = True
        else:
            if drafting:
                print(f"\n\n{message('cli.checked', language)}", flush=True)
            return event
    raise AssistantError("The answer stream ended without an answer; please try again.")


def _answer_one(assistant: Assistant, question: str, args: argparse.Namespace
                ) -> Answer | None:
    """Print the answer to one question (or, in a batch, its error) and return it."""
    try:
        if args.json or assistant.model is None:
            answer = assistant.ask(question, args.lang)
        else:
            answer = _streamed(assistant, question, args.lang)
    except AssistantError as err:
        if args.question != "-":
            raise
        # In a batch, one bad line is reported in place and the rest are still answered.
        error = {"question": _readable(question.strip()), "error": str(err)}
        print(json.dumps(error, ensure_ascii=False) if args.json else f"assistant: {err}",
              flush=True)
        return None
    if args.json:
        print(json.dumps(to_json(answer), ensure_ascii=False), flush=True)
    else:
        print(to_text(answer) + "\n", flush=True)
    return answer


def _readable(text: str) -> str:
    """Text with undecodable stdin bytes shown as U+FFFD, so the output stays UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def run_obligations(settings: Settings, args: argparse.Namespace) -> int:
    """Print the obligations register, optionally for one actor, as text, JSON or CSV."""
    rows = by_actor(load_register(settings.index_dir), args.actor)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
    elif args.csv:
        print(to_csv(rows), end="")
    else:
        print("\n\n".join(register_text(r, args.lang) for r in rows))
    return 0


def run_calendar(settings: Settings, args: argparse.Namespace) -> int:
    """Print the reports a city owes in a year, with the citation of each."""
    designated = DESIGNATED[args.city] if args.city else args.designated
    owed = due(load_register(settings.index_dir), designated, args.year, args.lang)
    if args.json:
        print(json.dumps([asdict(d) for d in owed], ensure_ascii=False, indent=1))
    else:
        city = args.city or message("calendar.any_city", args.lang)
        print(calendar_text(city, designated, args.year, owed, args.lang))
    return 0


def _assistant(settings: Settings) -> Assistant:
    from assistant.pipeline.service import load_assistant

    return load_assistant(settings.index_dir, settings.embedder, settings.backend,
                          settings.top_k, LLMConfig.from_settings(settings),
                          StoreConfig.from_settings(settings), settings.bounds())


def run_membership(settings: Settings, args: argparse.Namespace) -> int:
    """Print the membership path: each question answered and cited, then what the
    guideline does not cover."""
    answers = membership_path(_assistant(settings), args.lang)
    if args.json:
        print(json.dumps([to_json(a) for a in answers], ensure_ascii=False, indent=1))
    else:
        print(membership_text(answers, args.lang))
    return 0


def _email(arg: str) -> str:
    try:
        return sys.stdin.read() if arg == "-" else Path(arg).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AssistantError(f"Cannot read the email {arg} ({err}); save it as a UTF-8 text "
                             "file, or pipe it in with '-'.") from err


def run_draft(settings: Settings, args: argparse.Namespace) -> int:
    """Print a drafted reply to an email (Markdown), and write it as .md and .docx."""
    reply = draft_reply(_assistant(settings), _email(args.email), args.lang)
    audit = open_audit(settings.audit_path)
    if audit is not None:
        for answer in reply.answers:
            audit.record(answer, "cli-draft")
    print(to_markdown(reply), end="")
    if args.out:
        _export(reply, args.out)
    return 0


def run_audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the audit log's answers with their feedback, as JSON or CSV."""
    log = open_audit(settings.audit_path)
    if log is None:
        raise AssistantError("The audit log is off (ASSISTANT_AUDIT=false), so there is "
                             "nothing to export; set ASSISTANT_AUDIT=true to keep one.")
    rows = export(log.read())
    print(export_csv(rows) if args.csv else json.dumps(rows, ensure_ascii=False, indent=1),
          end="" if args.csv else "\n")
    return 0
