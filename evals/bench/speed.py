"""`python -m evals.bench.speed`: tokens per second of the llamacpp backend on this machine
(prompt processing and generation, from llama.cpp's own timings), on real prompts."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from assistant.core.settings import Settings
from assistant.pipeline.generate import answer_inputs, numbered, prompt_text
from assistant.pipeline.llm import LLMConfig, model_path
from assistant.pipeline.service import load_assistant, resolve_language
from assistant.storage.store import StoreConfig

QUESTIONS = ("Hur ofta ska de kreativa städerna rapportera till Unesco?",
             "What must a creative city report to the Swedish National Commission, and when?",
             "How is the network funded?")


def _timed(llama: Any, messages: list[dict[str, str]], max_tokens: int
           ) -> tuple[float, dict[str, int]]:
    llama.reset()  # no cached prompt: every run processes the whole prompt
    started = time.perf_counter()
    out = llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                       temperature=0.0)
    return time.perf_counter() - started, out["usage"]


def main() -> int:
    """Generate answers to a few questions and report prompt and generation speed."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench.speed", description=__doc__)
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()
    settings = Settings()
    from llama_cpp import Llama

    path, _ = model_path(LLMConfig.from_settings(settings, "llamacpp"))
    llama = Llama(model_path=str(path), n_ctx=4096, verbose=False)
    assistant = load_assistant(settings.index_dir, settings.embedder,
                               store=StoreConfig.from_settings(settings))
    runs = []
    for question in QUESTIONS:
        language, _ = resolve_language(question, "auto", assistant.tuning.reading)
        inputs = answer_inputs(question, language,
                               numbered(assistant.retriever.hits(question, language)))
        system = prompt_text("answer_system").format(**inputs)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": question}]
        prompt_s, _ = _timed(llama, messages, 1)
        total_s, usage = _timed(llama, messages, args.max_tokens)
        runs.append({"prompt_tokens": usage["prompt_tokens"],
                     "completion_tokens": usage["completion_tokens"],
                     "prompt_seconds": round(prompt_s, 2), "total_seconds": round(total_s, 2)})
    prompt_tps = sum(r["prompt_tokens"] for r in runs) / sum(r["prompt_seconds"] for r in runs)
    generated = sum(r["completion_tokens"] - 1 for r in runs)
    gen_s = sum(r["total_seconds"] - r["prompt_seconds"] for r in runs)
    print(json.dumps({"model": path.name, "runs": runs,
                      "prompt_tokens_per_second": round(prompt_tps, 1),
                      "generated_tokens_per_second": round(generated / gen_s, 1)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
