"""`python -m evals.bench`: our pipeline against the naive baseline, on one corpus (the
guideline and the referenced instruments) and one case set. Per system: cold start to the
first answer (from a built index, and from an empty data folder), ingest time, warm
retrieval and answer latency (extractive, and the local language model on a few cases),
peak memory, and recall@5 and faithfulness, so speed is never bought with correctness.
Writes `bench/latest.json` and `bench/latest.md` and prints the table.

Every step runs in a fresh interpreter of its own (`--worker`, the steps in
`evals.bench.steps`): start-up is measured from a cold process, and memory peaks do not mix.
Exit status 2 on bad input.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

# Only the standard library at the top: a worker's cold start must not pay for the parent's
# imports. Each function imports what it uses.


def _parser() -> argparse.ArgumentParser:
    from assistant.core.settings import REPO_ROOT
    from evals.cases import CASES_FILE

    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases-file", type=Path, default=CASES_FILE)
    parser.add_argument("--limit", type=_positive, help="at most N cases, evenly spaced")
    parser.add_argument("--llm-cases", type=_positive, default=6,
                        help="answerable cases for the llamacpp rows (default 6)")
    parser.add_argument("--skip-llm", action="store_true", help="leave out the llamacpp rows")
    parser.add_argument("--index", type=Path, help="reuse this built index for ours (e.g. "
                        ".data/index) instead of ingesting; its ingest rows are left out")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "latest.json",
                        help="the JSON report; the Markdown table goes beside it (.md)")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one step of it) and write the report."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        from evals.bench.steps import work

        return work(argv[1])
    from assistant.core.errors import AssistantError
    from assistant.core.settings import load_settings
    from evals.bench.machine import write_json
    from evals.bench.runner import bench
    from evals.bench.table import render

    args = _parser().parse_args(argv)
    try:
        report = bench(load_settings(), args, shlex.join(["python", "-m", "evals.bench", *argv]))
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    page = render(report)
    write_json(args.out, report)
    args.out.with_suffix(".md").write_text(page, encoding="utf-8")
    print(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
