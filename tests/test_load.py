"""The load test's code path, small: the real app, three users, twelve questions at once."""

from __future__ import annotations

from pathlib import Path

from assistant.pipeline.format import plain
from evals.bench.load import LoadConfig, measure, summarise
from evals.bench.load_users import message_text


def test_three_users_twelve_questions_all_answered_and_audited(data_dir: Path,
                                                              tmp_path: Path) -> None:
    run = measure(LoadConfig(data_dir, users=3, questions=12, timeout_s=45), concurrency=2,
                  scratch=tmp_path)
    figures = summarise(run)

    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["answered"] == 12
    for reply in run.replies:
        chat, sources, box = reply.output
        assert [m["role"] for m in chat] == ["user", "assistant"]
        assert plain(message_text(chat[0])) == reply.question
        assert message_text(chat[1]).strip()
        assert isinstance(sources, str) and box == ""
    assert figures["audit_lines"] == 12 and figures["audit_lost"] == 0
    assert sorted(run.audited) == sorted(run.asked)
    assert figures["rss_mb_peak"] >= figures["rss_mb_before"] > 0
