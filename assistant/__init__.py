"""Bilingual assistant for the guidelines for UNESCO Creative Cities in Sweden."""

__version__ = "0.1.0"
