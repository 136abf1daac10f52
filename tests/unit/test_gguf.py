from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.llm.gguf import architecture, is_gpt_oss, read_gguf_metadata
from desktop.core.llm.prompting import chat_format_for, fold_system


def test_reads_the_real_gemma_header(gemma_gguf: Path) -> None:
    meta = read_gguf_metadata(gemma_gguf)
    assert architecture(meta) == "gemma3"
    assert not is_gpt_oss(meta)
    assert "tokenizer.chat_template" not in meta
    assert chat_format_for(meta) == "gemma"  # no template in the file: a known format


def test_not_a_gguf(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("hello")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        read_gguf_metadata(path)


def test_truncated_header(tmp_path: Path, gemma_gguf: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(gemma_gguf.read_bytes()[:4000])
    with pytest.raises(ModelError, match="truncated"):
        read_gguf_metadata(path)


def test_template_in_the_file_wins() -> None:
    assert (
        chat_format_for({"general.architecture": "gemma3", "tokenizer.chat_template": "x"}) is None
    )
    assert chat_format_for({"general.architecture": "unknown-arch"}) == "chatml"


def test_system_text_folds_into_the_first_user_turn() -> None:
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert fold_system(msgs) == [{"role": "user", "content": "Be brief.\n\nHi"}]
