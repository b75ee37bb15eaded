"""Evaluation: question sets, small scorers, and a runner (`python -m evals`)."""
