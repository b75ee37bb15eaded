"""Ingestion: load sources, chunk them, and build the search index."""
