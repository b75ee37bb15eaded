"""The Gradio page's wiring, read from the app's own config (no browser needed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import app
from assistant.core.settings import Settings
from assistant.pipeline.llm import bundled_gguf
from assistant.pipeline.service import Assistant


def _elem_ids(config: Mapping[str, Any]) -> dict[int, str | None]:
    return {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}


def _at_once(config: Mapping[str, Any], elem_id: str, event: str) -> list[set[str | None]]:
    """The outputs of each listener that runs when `event` fires on the component with
    `elem_id` (not of those chained after another listener)."""
    ids = _elem_ids(config)
    return [{ids.get(o) for o in d["outputs"]} for d in config["dependencies"]
            if d.get("trigger_after") is None
            and any(ids.get(t[0]) == elem_id and t[1] == event for t in d["targets"])]


def test_a_new_question_hides_the_last_answer_s_downloads_at_once(assistant: Assistant):
    """Asking again hides the previous answer's .md/.docx downloads when the question is
    sent, not only after the new answer has finished streaming."""
    config = app.build_app({"extractive": assistant}, register=[]).config
    for elem_id, event in (("question", "submit"), ("ask", "click")):
        at_once = _at_once(config, elem_id, event)
        assert {"answer-md", "answer-docx"} in at_once, at_once
        assert any("chat" in outputs for outputs in at_once), "the question is answered"


def _backend_choices(config: Mapping[str, Any]) -> tuple[list[str], bool]:
    radio = next(c["props"] for c in config["components"]
                 if c.get("props", {}).get("elem_id") == "backend")
    return [value for _, value in radio["choices"]], radio["visible"]


def test_the_bundled_model_is_offered_only_when_the_operator_names_it(data_dir: Path):
    """The small bundled Gemma answers poorly; the page offers it only when the settings
    name it (ASSISTANT_BACKEND=llamacpp or ASSISTANT_LLM_MODEL_PATH), never by itself."""
    assert bundled_gguf() is not None, "make test installs it (the [llm] extra)"
    plain_settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    offered = app.load_backends(plain_settings)
    assert list(offered) == ["extractive"]
    config = app.build_app(offered, register=[]).config
    assert _backend_choices(config) == (["extractive"], False)
    named = Settings(_env_file=None, data_dir=data_dir, backend="llamacpp")  # type: ignore[call-arg]
    assert list(app.load_backends(named)) == ["llamacpp", "extractive"]


def test_a_backend_the_page_does_not_offer_is_refused_with_a_message(assistant: Assistant):
    demo = app.build_app({"extractive": assistant}, register=[])
    ask = next(d for d in demo.fns.values() if d.api_name == "ask")
    chat, _, box, shown = list(ask.fn("Hur ofta ska städerna rapportera?", [], "auto",
                                      "llamacpp"))[-1]
    assert "Unknown backend 'llamacpp'" in chat[-1]["content"] and shown is None
    assert "Okänt svarsläge 'llamacpp'" in chat[-1]["content"]
    assert box == "Hur ofta ska städerna rapportera?"
