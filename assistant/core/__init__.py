"""The typed values and settings every layer uses: types, errors, text, language, lexicon, bounds,
settings, tuning and the message catalogue."""
