"""`python -m evals.ablate NAME=VALUE [NAME=VALUE ...]`: the evaluation with tuning entries
changed, beside the shipped tuning. Each set is run through the pipeline twice, as shipped
and with the entries changed, and its figures are printed side by side with the cases whose
outcome changed; then the same over all the sets.

NAME is an entry of `assistant/data/tuning.toml` as `stage.entry`
(`python -m evals.ablate fusion.bank_weight=0 fusion.bank_lexical_weight=0` leaves the
question bank's lists out of the fusion); the fit's and the layout's entries are refused, as
a refit and an ingest change them. The sets are the in-sample ones unless --sets names
others; the blind sets (evals/blind/) are run only with --blind. The scorers' support check
keeps the shipped tuning, so both runs are measured alike.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.settings import BACKENDS, load_settings
from assistant.core.tuning import Tuning, load_tuning
from assistant.pipeline.service import Assistant
from assistant.pipeline.support import SupportChecker
from evals.__main__ import loaded
from evals.blind import BLIND_DIR, blind_sets
from evals.cases import IN_SAMPLE, load_cases
from evals.run import CaseResult, evaluate, summarise
from evals.systems import Pipeline

SUMMARY = ("key_fact_recall", "correct_abstention", "false_refusals", "language_match",
           "faithfulness", "citation_validity")
GOLD = "gold passages in the top 5"
PASSED = "cases passed"
Figures = dict[str, float | None]


NOT_ABLATED = {  # stages whose entries an ablation cannot change, and what does
    "fit.": "changes how the decision is fitted, not the evaluation: set it in "
            "assistant/data/tuning.toml and run `python -m evals.fit_decision`.",
    "layout.": "shapes the index, not the evaluation: set it in assistant/data/tuning.toml, "
               "run `assistant ingest` and evaluate again.",
    "follow_up.": "applies to conversations, which the evaluation sets do not have: try it "
                  "in the app or with `assistant ask` and a history.",
    "draft.": "applies to draft replies, which the evaluation sets do not have: try it with "
              "`assistant draft`.",
}


def changes(pairs: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs as {name: value}; the fit's entries change only a refit, the
    layout's only an ingest."""
    found = {}
    for pair in pairs:
        name, equals, value = (part.strip() for part in pair.partition("="))
        if not equals or not name or not value:
            raise AssistantError(f"{pair!r}: give NAME=VALUE with a tuning entry, such as "
                                 "fusion.bank_weight=0 or decision.threshold=0.2.")
        refused = [why for stage, why in NOT_ABLATED.items() if name.startswith(stage)]
        if refused:
            raise AssistantError(f"{name} {refused[0]}")
        found[name] = value
    return found


def chosen_sets(named: Sequence[Path], blind: bool) -> list[Path]:
    """The sets to run: those named (else the in-sample ones), and the blind ones only when
    asked for."""
    sets = list(named or IN_SAMPLE)
    hidden = [str(p) for p in sets if p.resolve().is_relative_to(BLIND_DIR)]
    if hidden and not blind:
        raise AssistantError(f"{', '.join(hidden)}: a blind set; pass --blind to measure on "
                             "it (its figures are then no longer blind to this change).")
    return list(dict.fromkeys(sets + (blind_sets() if blind else [])))


def figures(results: list[CaseResult]) -> Figures:
    """The figures an ablation compares: recall@5 per language pair, the gold passages found
    in the top five, the answer metrics and the cases passed."""
    summary = summarise(results)
    retrieval: Mapping[str, Mapping[str, float]] = summary["retrieval"]  # type: ignore[assignment]
    found: Figures = {f"recall@5 {pair}": row["recall@5"] for pair, row in retrieval.items()}
    found[GOLD] = sum(r.scores["recall@5"] for r in results if r.case.answerable)
    found |= {name: summary[name] for name in SUMMARY}  # type: ignore[misc]
    found[PASSED] = sum(r.passed for r in results)
    return found


def _shown(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if name in (GOLD, PASSED) else f"{value:.3f}"


def table(title: str, before: list[CaseResult], after: list[CaseResult]) -> list[str]:
    """The figures of some cases, shipped and changed (a changed figure marked *)."""
    shipped, changed = figures(before), figures(after)
    answerable = sum(r.case.answerable for r in before)
    head = f"{title} ({len(before)} cases, {answerable} answerable)"
    lines = [f"{head:<40}{'shipped':>10}{'changed':>10}"]
    return lines + [f"  {name:<38}{_shown(name, value):>10}{_shown(name, changed[name]):>10}"
                     + ("" if value == changed[name] else "  *")
                     for name, value in shipped.items()]


def changed_cases(before: list[CaseResult], after: list[CaseResult]) -> list[str]:
    """The cases whose failures changed, with what they were and what they are."""
    return [f"  {a.case.id}: {'; '.join(b.failures) or 'passed'} -> "
            f"{'; '.join(a.failures) or 'passed'}"
            for b, a in zip(before, after, strict=True) if b.failures != a.failures]


def ablate(assistant: Assistant, tuning: Tuning, checker: SupportChecker,
           documents: Mapping[str, str], sets: Sequence[Path]) -> Iterator[list[str]]:
    """Each set's table and changed cases as it is run, as shipped and with `tuning`; then
    the table over all the sets."""
    systems = (Pipeline(assistant), Pipeline(assistant.tuned(tuning)))
    before: list[CaseResult] = []
    after: list[CaseResult] = []
    for path in sets:
        cases = load_cases(path)
        shipped, changed = (evaluate(s, cases, checker, documents) for s in systems)
        yield table(path.name, shipped, changed) + changed_cases(shipped, changed)
        before, after = before + shipped, after + changed
    yield table("all sets", before, after)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals.ablate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("change", nargs="+", help="NAME=VALUE, a tuning entry and its value")
    parser.add_argument("--sets", nargs="+", type=Path, default=[],
                        help="case files (default: the in-sample sets)")
    parser.add_argument("--blind", action="store_true", help="also run the blind sets")
    parser.add_argument("--backend", choices=BACKENDS, help="answer backend (default: setting)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print the figures with the shipped tuning and with the entries changed."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        sets = chosen_sets(args.sets, args.blind)
        shipped = load_tuning(settings.embedder)
        changed = changes(args.change)
        tuning = shipped.changed(changed)  # a wrong name or value fails before any work
        print("\n".join(f"{n}: {shipped.value(n)} -> {tuning.value(n)}" for n in changed))
        assistant, embeddings, documents = loaded(settings, args.backend or settings.backend)
        checker = SupportChecker(embeddings, shipped.support)
        texts = {d.doc_id: d.text for d in documents}
        for lines in ablate(assistant, tuning, checker, texts, sets):
            print("\n".join(lines), flush=True)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
