"""Settings, read once at the edge (CLI, app) from `ASSISTANT_*` variables and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
LANG_CHOICES = ("auto", "sv", "en")
BACKENDS = ("extractive",)


class Settings(BaseSettings):
    """Where the index lives, which embedder and backend to use, where the app listens."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(REPO_ROOT / ".data", description="Where the index is stored.")
    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Folder of corpus documents.")
    embedder: str = Field("e5", description="e5, minilm, or st:<sentence-transformers model>.")
    backend: Literal["extractive"] = Field("extractive", description="Answer backend.")
    top_k: int = Field(5, ge=1, le=20, description="Passages retrieved per question.")
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")

    @property
    def index_dir(self) -> Path:
        """The folder holding the index builds."""
        return self.data_dir / "index"
