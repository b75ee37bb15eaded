"""Language detection with the bundled lingua models."""

from __future__ import annotations

import pytest

from assistant.core.errors import AssistantError
from assistant.core.messages import message
from assistant.core.tuning import load_tuning
from assistant.pipeline.query import detect
from assistant.pipeline.service import resolve_language

READING = load_tuning("e5").reading


@pytest.mark.parametrize(("text", "expected"), [
    ("Hur ofta ska de kreativa städerna rapportera till Unesco?", "sv"),
    ("Vilka städer?", "sv"),
    ("What does membership cost?", "en"),
    ("What must a creative city report to the Swedish National Commission, and when?", "en"),
    ("Was kostet die Mitgliedschaft im Netzwerk?", "other"),
    ("Combien coûte l'adhésion au réseau ?", "other"),
])
def test_detect(text: str, expected: str):
    assert detect(text, READING) == expected


def test_resolve_language():
    assert resolve_language("What?", "sv", READING) == ("sv", "")
    assert resolve_language("Was kostet die Mitgliedschaft im Netzwerk?", "auto", READING) == (
        "en", message("service.unsupported_language", "en"))
    with pytest.raises(AssistantError, match="auto, sv, en"):
        resolve_language("x", "de", READING)
