"""The sentence-transformers path, for real, with the bundled all-MiniLM-L6-v2 model."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.pipeline.service import load_assistant
from assistant.storage.embeddings import make_embedder
from ingest.pipeline import ingest
from tests.conftest import CORPUS


def test_minilm_index_answers_an_english_question(tmp_path: Path):
    embeddings = make_embedder("minilm")
    vector = embeddings.embed_query("annual report")
    assert len(vector) == 384 and abs(sum(v * v for v in vector) - 1) < 1e-3
    report = ingest(CORPUS, tmp_path / "index", embedder="minilm", embeddings=lambda: embeddings)
    assert report.changed and report.chunk_count == 96
    assistant = load_assistant(tmp_path / "index", "minilm")
    answer = assistant.ask("In which language are the reports to the National Commission written?")
    assert any("written in English" in c.quote for c in answer.citations)


def test_unknown_embedder_names_the_choices():
    with pytest.raises(AssistantError, match="e5, minilm, st:<model>"):
        make_embedder("word2vec")


def test_default_path_does_not_import_torch(data_dir):
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path;"
            "from assistant.pipeline.service import load_assistant;"
            f"a = load_assistant(Path({str(data_dir / 'index')!r}), 'e5');"
            "a.ask('Hur finansieras nätverket?');"
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr
