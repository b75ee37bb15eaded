"""Speed, load and scale tooling beside the evaluation: the benchmark against the naive
baseline (`python -m evals.bench`), many users at once (`evals.bench.load`), the vector store
at 10× and 100× the corpus (`evals.bench.scale`), cold start, model speed and the README's
screenshots. It may use the evaluation's cases and scorers; the evaluation never imports it.
Imports nothing, so a benchmark worker's cold start pays only for what its step uses."""
