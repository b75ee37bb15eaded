"""Question language: Swedish, English, or something else (answered in English)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

Detected = Literal["sv", "en", "other"]
_SUPPORTED = {Language.SWEDISH: "sv", Language.ENGLISH: "en"}
_OTHERS = (Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.ITALIAN,
           Language.PORTUGUESE, Language.DUTCH, Language.POLISH, Language.FINNISH,
           Language.DANISH, Language.BOKMAL, Language.NYNORSK)
OTHER_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def detector() -> LanguageDetector:
    """A lingua detector for Swedish, English and the languages most often confused with them."""
    return LanguageDetectorBuilder.from_languages(*_SUPPORTED, *_OTHERS).build()


def detect(text: str) -> Detected:
    """Detect the language of a question; unsure short texts fall back to sv or en."""
    values = detector().compute_language_confidence_values(text)
    if not values:
        return "en"
    top = values[0]
    if top.language in _SUPPORTED:
        return _SUPPORTED[top.language]  # type: ignore[return-value]
    if top.value >= OTHER_CONFIDENCE:
        return "other"
    confidence = {v.language: v.value for v in values}
    swedish = confidence.get(Language.SWEDISH, 0.0)
    return "sv" if swedish > confidence.get(Language.ENGLISH, 0.0) else "en"
