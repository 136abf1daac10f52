"""The query and document prompts a model folder names, picked as sentence-transformers
picks them (desktop.core.embeddings.onnx.model_prompts)."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.core.embeddings.onnx import model_prompts

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}


def _folder(tmp_path: Path, config: dict[str, object] | None) -> Path:
    folder = tmp_path / "model"
    folder.mkdir(exist_ok=True)
    path = folder / "config_sentence_transformers.json"
    if config is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_prompts_are_picked_as_sentence_transformers_picks_them(tmp_path: Path) -> None:
    e5 = {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None}
    assert model_prompts(_folder(tmp_path, e5)) == ("query: ", "passage: ")
    both = {"prompts": {"query": "q: ", "passage": "p: ", "document": "d: ", "corpus": "c: "}}
    assert model_prompts(_folder(tmp_path, both)) == ("q: ", "d: ")
    corpus = {"prompts": {"corpus": "c: "}}
    assert model_prompts(_folder(tmp_path, corpus)) == ("", "c: ")
    # default_prompt_name stands in where no query or document prompt is named.
    default = {"prompts": {"query": "", "doc": "search_document: "}, "default_prompt_name": "doc"}
    assert model_prompts(_folder(tmp_path, default)) == ("", "search_document: ")
    assert model_prompts(_folder(tmp_path, {"prompts": {}})) == ("", "")
    assert model_prompts(_folder(tmp_path, None)) == ("", "")
    # Prompts given from outside (the catalog) count only when the folder names none.
    given = E5_PROMPTS
    assert model_prompts(_folder(tmp_path, None), given) == ("query: ", "passage: ")
    assert model_prompts(_folder(tmp_path, both), given) == ("q: ", "d: ")
