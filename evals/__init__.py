"""Evaluation: the case sets, small scorers, the naive baseline, the runner and its report
(`python -m evals`), and the support check's calibration (`python -m evals.calibrate`)."""
