"""``fathom models list | add | remove | use`` and ``fathom setup --use-gguf`` with real
files (the gemma3 GGUF, the MiniLM ONNX folder), as people run them.

That ``fathom ask`` then answers with the chosen model is in ``test_offline.py`` (one
real answer, with the network blocked)."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

from desktop.core.modelhub.catalog import MULTILINGUAL_EMBEDDING
from desktop.core.modelhub.manager import choose_embedding, list_models, use_model
from desktop.core.services import Services
from tests.cli import fathom, fathom_json


def _models(kind: str | None = None) -> list[dict[str, Any]]:
    """What ``models list --json`` prints, read in-process (a subprocess costs seconds;
    the CLI's own output is checked once below)."""
    listed = [m.as_json() for m in list_models(Services.from_environment())]
    return [m for m in listed if kind is None or m["kind"] == kind]


def _settings(home: Path) -> dict[str, Any]:
    return json.loads((home / "settings.json").read_text())  # type: ignore[no-any-return]


def _gguf_header(path: Path, arch: str) -> None:
    """A GGUF file with nothing but a header naming its architecture."""
    key, value = b"general.architecture", arch.encode()
    kv = struct.pack("<Q", len(key)) + key + struct.pack("<I", 8)
    kv += struct.pack("<Q", len(value)) + value
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv)


def test_add_refuses_what_is_not_a_chat_gguf(tmp_path: Path, fathom_home: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("just text\n")
    bert = tmp_path / "embedder.gguf"
    _gguf_header(bert, "bert")

    for path, message in [
        (text, f"fathom: error: {text} is not a GGUF file (it does not start with"),
        (bert, f"fathom: error: {bert} is a GGUF 'bert' model, which embeds text"),
        (tmp_path / "missing.gguf", "missing.gguf does not exist."),
        (tmp_path, "is not an ONNX embedding model folder (missing onnx/model.onnx"),
    ]:
        result = fathom("models", "add", path)
        assert result.returncode == 1, result.stdout
        assert message in result.stderr
        assert "hint: " in result.stderr and "Traceback" not in result.stderr
    assert _models() == []


def test_add_use_list_remove(gemma_gguf: Path, onnx_model_dir: Path, fathom_home: Path) -> None:
    assert fathom_json("models", "list") == {"models": [], "partial_downloads": []}
    added = fathom("models", "add", gemma_gguf)
    assert added.returncode == 0, added.stderr
    assert "Added chat model gemma-3-270m-q4_k_m (0.25 GB)" in added.stdout

    [chat] = fathom_json("models", "list")["models"]
    assert chat == {
        "name": "gemma-3-270m-q4_k_m",
        "kind": "chat",
        "path": str(gemma_gguf),
        "size_bytes": gemma_gguf.stat().st_size,
        "active": True,  # the first chat model added is the one ask takes
        "source": "added",
        "architecture": "gemma3",
    }
    assert _settings(fathom_home)["llm"]["model"] == str(gemma_gguf)

    # A copy in Fathom's own model folder: two models, the setting decides which is used.
    models_dir = fathom_home / "models"
    own = models_dir / "mine.gguf"
    shutil.copyfile(gemma_gguf, own)
    assert fathom("models", "use", "gemma-3-270m-q4_k_m").returncode == 0
    assert _settings(fathom_home)["llm"]["model"] == str(gemma_gguf)
    active = {m["name"]: m["active"] for m in _models("chat")}
    assert active == {"mine": False, "gemma-3-270m-q4_k_m": True}
    assert fathom("models", "use", "mine").returncode == 0
    assert _settings(fathom_home)["llm"]["model"] == str(own)

    # The embedding model folder.
    used = fathom("models", "use", onnx_model_dir)
    assert used.returncode == 0, used.stderr
    assert _settings(fathom_home)["embedding"]["model"] == str(onnx_model_dir)
    [embedding] = _models("embedding")
    assert embedding["active"] and embedding["path"] == str(onnx_model_dir)
    refused = fathom("models", "remove", onnx_model_dir.name)
    assert refused.returncode == 1
    assert "is the active embedding model" in refused.stderr

    # Remove: Fathom's own file is deleted, a file added from elsewhere only forgotten.
    gone = fathom("models", "remove", "mine")
    assert gone.returncode == 0 and "deleted" in gone.stdout
    assert not own.exists()
    assert _settings(fathom_home)["llm"]["model"] == ""  # it was the active one
    forgot = fathom("models", "remove", "gemma-3-270m-q4_k_m")
    assert forgot.returncode == 0 and "forgotten (the file stays)" in forgot.stdout
    assert gemma_gguf.is_file()
    assert _models("chat") == []

    unknown = fathom("models", "use", "nothing-like-it")
    assert unknown.returncode == 1
    assert "No installed model is called 'nothing-like-it'" in unknown.stderr


def test_list_shows_an_unfinished_download(fathom_home: Path) -> None:
    models_dir = fathom_home / "models"
    models_dir.mkdir(parents=True)
    (models_dir / "big.gguf.part").write_bytes(b"GGUF" + bytes(1000))
    listed = fathom_json("models", "list")
    assert listed["models"] == []
    assert listed["partial_downloads"] == [
        {"path": str(models_dir / "big.gguf.part"), "size_bytes": 1004}
    ]
    plain = fathom("models", "list")
    assert "Unfinished download: " in plain.stdout and "resumes" in plain.stdout


def test_use_in_process_updates_the_running_services(gemma_gguf: Path, fathom_home: Path) -> None:
    """What the window does: the same Services object follows the choice at once."""
    services = Services.from_environment()
    model = use_model(services, gemma_gguf)
    assert model.active and services.chat_model_path() == gemma_gguf
    assert [m.name for m in list_models(services)] == ["gemma-3-270m-q4_k_m"]
    assert Services.from_environment().chat_model_path() == gemma_gguf  # and it was saved


def test_the_chunk_size_follows_the_embedding_model_unless_set(fathom_home: Path) -> None:
    """e5 reads 512 tokens and is cut to its catalog size; back on MiniLM, the default
    again. A size the person chose stays whatever the model."""
    services = Services.from_environment()
    assert services.settings.ingest.chunk_tokens == 220
    choose_embedding(services, "intfloat/multilingual-e5-small")
    assert services.settings.ingest.chunk_tokens == MULTILINGUAL_EMBEDDING.chunk_tokens == 480
    saved = _settings(fathom_home)
    assert saved["embedding"]["model"] == "intfloat/multilingual-e5-small"
    assert saved["ingest"]["chunk_tokens"] == 480
    choose_embedding(services, "sentence-transformers/all-MiniLM-L6-v2")
    assert _settings(fathom_home)["ingest"]["chunk_tokens"] == 220
    services.update_settings({"ingest.chunk_tokens": 300})  # the person's own size
    choose_embedding(services, "intfloat/multilingual-e5-small")
    assert _settings(fathom_home)["ingest"]["chunk_tokens"] == 300
    assert services.settings.embedding.model == "intfloat/multilingual-e5-small"


def test_reindex_with_another_model_takes_its_chunk_size(
    onnx_model_dir: Path, fathom_home: Path, tmp_path: Path
) -> None:
    """``fathom reindex --embedding`` with a model the catalog knows cuts to its size,
    and ``--chunk-tokens`` still wins."""
    from desktop.cli.main import build_parser
    from desktop.cli.reindex_cmd import _asked

    settings = Services.from_environment().settings
    args = build_parser().parse_args(["reindex", "--embedding", "intfloat/multilingual-e5-small"])
    assert _asked(settings, args) == {
        "embedding.model": "intfloat/multilingual-e5-small",
        "ingest.chunk_tokens": 480,
    }
    args = build_parser().parse_args(
        ["reindex", "--embedding", "intfloat/multilingual-e5-small", "--chunk-tokens", "256"]
    )
    assert _asked(settings, args)["ingest.chunk_tokens"] == 256
    args = build_parser().parse_args(["reindex", "--embedding", str(onnx_model_dir)])
    assert _asked(settings, args) == {
        "embedding.model": str(onnx_model_dir.resolve()),
        "ingest.chunk_tokens": 220,
    }


def test_setup_with_a_gguf_you_have(gemma_gguf: Path, onnx_model_dir: Path, tmp_path: Path) -> None:
    info = fathom_json("setup")
    assert set(info) == {"machine", "recommended"}
    assert info["recommended"]["chat"]["filename"] == "gpt-oss-20b-mxfp4.gguf"
    assert info["machine"]["ram_bytes"] > 0

    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"PK\x03\x04 a zip")
    refused = fathom("setup", "--use-gguf", bad)
    assert refused.returncode == 1 and "is not a GGUF file" in refused.stderr

    done = fathom("setup", "--use-gguf", gemma_gguf, "--embedding", onnx_model_dir)
    assert done.returncode == 0, done.stderr
    assert "This machine: " in done.stdout and "Recommended: " in done.stdout
    assert "Using gemma-3-270m-q4_k_m (gemma3)" in done.stdout
    services = Services.from_environment()
    assert services.chat_model_path() == gemma_gguf
    assert services.settings.embedding.model == str(onnx_model_dir)


def test_setup_recommends_the_multilingual_model_for_other_languages(tmp_path: Path) -> None:
    """English stays on the default; a German system or mostly German folders get
    multilingual-e5-small, with the reason shown."""
    info = fathom_json("setup")["recommended"]
    assert info["embedding"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert info["embedding_reason"] == ""
    german = fathom_json("setup", env={"LANG": "de_DE.UTF-8"})["recommended"]
    assert german["embedding"] == "intfloat/multilingual-e5-small"
    assert german["embedding_reason"] == "this system's language is 'de', not English"
    assert german["download_bytes"] - info["download_bytes"] == 400 * 1000**2
    docs = tmp_path / "Notizen"
    docs.mkdir()
    text = "Die Sammlung wird vor der Suche geladen, und der Index ist danach bereit. " * 5
    for i in range(3):
        (docs / f"notiz{i}.md").write_text(f"# Notiz {i}\n\n{text}\n", encoding="utf-8")
    shown = fathom("setup", "--folder", docs)
    assert shown.returncode == 0, shown.stderr
    assert (
        "embeddings with intfloat/multilingual-e5-small (100% of the text sampled from your "
        "folders is not English)" in shown.stdout
    )
    english = fathom("setup")
    assert "Add --embedding intfloat/multilingual-e5-small (about 100 languages)" in english.stdout
