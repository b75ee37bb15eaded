"""Settings, read once at the edge (CLI, app) from `ASSISTANT_*` variables and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from assistant.core.bounds import Bounds

REPO_ROOT = Path(__file__).resolve().parents[2]
LANG_CHOICES = ("auto", "sv", "en")
BACKENDS = ("extractive", "llamacpp", "openai")
Backend = Literal["extractive", "llamacpp", "openai"]


class Settings(BaseSettings):
    """Where the index lives, which embedder and backend to use, where the app listens."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / ".data", description="Where the index is stored.")
    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Folder of corpus documents.")
    sources_dir: Path | None = Field(
        REPO_ROOT / "sources",
        description="Folder of the referenced documents named in corpus/sources.toml.")
    chroma_host: str | None = Field(
        None, description="Chroma server host; unset = the embedded store in the data folder.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")
    chroma_token: SecretStr | None = Field(None, description="Chroma server token (Bearer).")
    chroma_ssl: bool = Field(False, description="Use HTTPS for the Chroma server.")
    embedder: str = Field("e5", description="e5, minilm, or st:<sentence-transformers model>.")
    backend: Backend = Field("extractive", description="Answer backend.")
    top_k: int = Field(5, ge=1, le=20, description="Passages a generated answer is given.")
    llm_model_path: Path | None = Field(None, description="GGUF file for `llamacpp`.")
    openai_base_url: str | None = Field(None, description="OpenAI-compatible endpoint.")
    openai_model: str = Field("local", description="Model name at that endpoint.")
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="API key (not needed by local servers).")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before a model call gives up.")
    llm_max_tokens: int = Field(400, ge=16, le=4096, description="Longest generated answer.")
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")
    concurrency: int = Field(2, ge=1, le=64,
                             description="Questions the app answers at once (Gradio's queue).")
    queue_size: int = Field(200, ge=1, description="Questions waiting before new ones are turned "
                            "away with a 'busy' message.")
    username: str | None = Field(None, description="Login name for a shared app (with password).")
    password: SecretStr | None = Field(None, description="Login password for a shared app.")
    audit: bool = Field(True, description="Keep an audit log of questions and answers.")
    audit_log: Path | None = Field(
        None, description="The audit log (JSON Lines); unset = <data_dir>/audit.jsonl.")
    temp_dir: Path | None = Field(
        None, validation_alias=AliasChoices("ASSISTANT_TEMP_DIR", "GRADIO_TEMP_DIR"),
        description="Where the app makes its private folder for the files it serves "
                    "(GRADIO_TEMP_DIR also read); unset = the system's temporary folder.")
    max_question_chars: int = Field(2000, ge=100, le=20_000,
                                    description="Longest question; a longer one is refused.")
    max_history_turns: int = Field(3, ge=0, le=20, description="Earlier chat turns a "
                                   "follow-up question may lean on.")
    max_email_chars: int = Field(8000, ge=500, le=100_000,
                                 description="Longest email for a draft reply.")
    max_comment_chars: int = Field(2000, ge=0, le=20_000,
                                   description="Longest feedback comment; longer ones are cut.")
    max_request_bytes: int = Field(1_000_000, ge=65_536, le=100_000_000,
                                   description="Largest request the app accepts.")
    login_attempts: int = Field(5, ge=1, le=1000, description="Failed logins from one address "
                                "or for one user name before a lockout.")
    login_lockout: float = Field(60.0, gt=0, le=86_400, description="Seconds of the first "
                                 "lockout; each failure after it doubles the next one.")

    def bounds(self) -> Bounds:
        """The longest input of each kind."""
        from assistant.core.bounds import Bounds

        return Bounds(self.max_question_chars, self.max_history_turns, self.max_email_chars,
                      self.max_comment_chars)

    def login(self) -> tuple[str, str] | None:
        """(username, password) when both are set, for the app's login page."""
        if bool(self.username) != bool(self.password):
            from assistant.core.errors import AssistantError

            raise AssistantError("Set both ASSISTANT_USERNAME and ASSISTANT_PASSWORD for a login "
                                 "page, or neither for an open app on this machine.")
        if self.username and self.password:
            return self.username, self.password.get_secret_value()
        return None

    @property
    def audit_path(self) -> Path | None:
        """Where the audit log is written, or None when it is switched off."""
        if not self.audit:
            return None
        return self.audit_log or self.data_dir / "audit.jsonl"

    @property
    def index_dir(self) -> Path:
        """The folder holding the index builds."""
        return self.data_dir / "index"


def load_settings() -> Settings:
    """Read the settings, turning a bad value into a message that names the variable."""
    from pydantic import ValidationError

    from assistant.core.errors import AssistantError

    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        name = "ASSISTANT_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise AssistantError(f"{name} is invalid: {first['msg']}; fix it in the environment "
                             "or .env (see the README's settings table).") from err
