"""Question language: Swedish, English, or something else (answered in English).

Two lingua detectors keep start-up short: a fast low-accuracy one over many languages spots
questions that are clearly in another language; a high-accuracy one over Swedish and
English alone decides between the two (it is reliable on short questions).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from assistant.core.tuning import Reading

Detected = Literal["sv", "en", "other"]
_SUPPORTED = {Language.SWEDISH: "sv", Language.ENGLISH: "en"}
_OTHERS = (Language.GERMAN, Language.FRENCH, Language.SPANISH, Language.ITALIAN,
           Language.PORTUGUESE, Language.DUTCH, Language.POLISH, Language.FINNISH,
           Language.DANISH, Language.BOKMAL, Language.NYNORSK)


@lru_cache(maxsize=1)
def _screen() -> LanguageDetector:
    return (LanguageDetectorBuilder.from_languages(*_SUPPORTED, *_OTHERS)
            .with_low_accuracy_mode().build())


@lru_cache(maxsize=1)
def _sv_or_en() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_SUPPORTED).build()


def clearly_other(text: str, reading: Reading) -> bool:
    """Whether a text is clearly in a language other than Swedish and English: long enough
    to judge, and the many-language detector confident of a third one."""
    if len(text.split()) < reading.other_min_words:
        return False
    values = _screen().compute_language_confidence_values(text)
    return bool(values) and values[0].language not in _SUPPORTED and (
        values[0].value >= reading.other_confidence)


def sv_or_en(text: str) -> Literal["sv", "en"]:
    """Swedish or English, whichever the text is closer to."""
    return "sv" if _sv_or_en().detect_language_of(text) == Language.SWEDISH else "en"
