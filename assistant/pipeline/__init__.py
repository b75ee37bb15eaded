"""The question-to-answer pipeline: query, retrieve, decide, compose (and format), generate,
verify, and the service that runs them."""
