"""`python -m evals.recall [--weight NAME=VALUE ...]`: recall@5 of the retriever alone over the
in-sample sets, with any tuning entries changed (an ablation: `--weight fusion.bank_weight=0`
leaves the question bank's dense list out of the fusion). Prints each set's recall per
language pair and the gold passages found over all of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.embeddings import make_embedder
from assistant.errors import AssistantError
from assistant.index import open_index
from assistant.retrieve import HybridRetriever
from assistant.service import clean_question, resolve_language
from assistant.settings import load_settings
from assistant.tuning import load_tuning
from evals.cases import IN_SAMPLE, load_cases
from evals.scorers import recall_at
from evals.systems import K_MAX, _ranks


def set_recall(retriever: HybridRetriever, path: Path) -> dict[str, list[float]]:
    """Recall@5 of every answerable case of one set, by language pair."""
    found: dict[str, list[float]] = {}
    for case in load_cases(path):
        if case.answerable:
            text = clean_question(case.question)
            language, _ = resolve_language(text, "auto")
            hits = retriever.hits(text, language, K_MAX)
            found.setdefault(case.pair, []).append(
                recall_at(_ranks(hits, retriever.index), case.gold, 5))
    return found


def main(argv: list[str] | None = None) -> int:
    """Print recall@5 per set and pair, and the total found."""
    parser = argparse.ArgumentParser(prog="python -m evals.recall", description=__doc__)
    parser.add_argument("--weight", action="append", default=[],
                        help="NAME=VALUE, a tuning entry such as fusion.bank_weight=0")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        changed = dict(pair.partition("=")[::2] for pair in args.weight)
        tuning = load_tuning(settings.embedder).changed(changed)
        index = open_index(settings.index_dir, settings.embedder,
                           make_embedder(settings.embedder), settings.store_config())
        retriever = HybridRetriever(index=index, tuning=tuning)
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    total, count = 0.0, 0
    for path in IN_SAMPLE:
        found = set_recall(retriever, path)
        print(path.name, {pair: round(sum(v) / len(v), 3) for pair, v in found.items()})
        total += sum(sum(v) for v in found.values())
        count += sum(len(v) for v in found.values())
    print(f"gold passages found in the top 5: {total:.1f} of {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
