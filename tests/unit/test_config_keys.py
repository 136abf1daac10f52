"""Dotted setting keys: read, write with validation, list (``fathom config``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.errors import ConfigError
from desktop.core.settings import (
    Settings,
    get_key,
    key_info,
    list_keys,
    load_settings,
    save_settings,
    set_key,
)
from tests.cli import fathom


def test_get_and_set_convert_strings_to_the_keys_type() -> None:
    s = Settings()
    assert get_key(s, "rag.top_k") == 5
    changed = set_key(s, "rag.top_k", "8")
    assert changed.rag.top_k == 8 and s.rag.top_k == 5  # a copy; the original stays
    assert set_key(s, "llm.temperature", "0.7").llm.temperature == 0.7
    assert set_key(s, "llm.flash_attn", "yes").llm.flash_attn is True
    assert set_key(s, "llm.flash_attn", "off").llm.flash_attn is False
    assert set_key(s, "llm.reasoning_effort", "high").llm.reasoning_effort == "high"
    assert set_key(s, "store.uri", "/data/team.db").store.uri == "/data/team.db"


@pytest.mark.parametrize(
    ("key", "value", "message", "hint"),
    [
        ("rag.top_k", "0", r"Invalid value for rag\.top_k: '0'", "from 1 to 50"),
        ("rag.top_k", "many", r"rag\.top_k: 'many'.*valid integer", "from 1 to 50"),
        ("llm.temperature", "3", r"llm\.temperature", "from 0.0 to 2.0"),
        ("llm.reasoning_effort", "max", r"llm\.reasoning_effort", "one of: low, medium, high"),
        ("llm.flash_attn", "maybe", r"llm\.flash_attn", "true or false"),
        ("ingest.chunk_tokens", "8", r"ingest\.chunk_tokens", "from 32 to 8192"),
    ],
)
def test_bad_values_name_the_key_and_what_it_accepts(
    key: str, value: str, message: str, hint: str
) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        set_key(Settings(), key, value)
    assert hint in err.value.hint


def test_unknown_keys_suggest_the_right_one() -> None:
    with pytest.raises(ConfigError, match=r"Unknown setting 'rag\.topk'") as err:
        get_key(Settings(), "rag.topk")
    assert "rag.top_k" in err.value.hint
    with pytest.raises(ConfigError, match="Unknown setting 'top_k'"):
        set_key(Settings(), "top_k", "3")


def test_list_covers_every_field_with_its_type_and_range() -> None:
    keys = {k.key: k for k in list_keys(Settings())}
    expected = {
        f"{section}.{name}"
        for section, field in Settings.model_fields.items()
        if section != "version"
        for name in field.annotation.model_fields  # type: ignore[union-attr]
    }
    assert set(keys) == expected
    top_k = keys["rag.top_k"]
    assert (top_k.value, top_k.default, top_k.kind) == (5, 5, "int")
    assert top_k.allowed == "a number from 1 to 50"
    assert keys["llm.kv_cache_type"].choices == ("f16", "q8_0", "q4_0")
    assert key_info(Settings(), "llm.flash_attn").kind == "bool"


def test_a_set_value_survives_a_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(set_key(Settings(), "ingest.chunk_tokens", "300"), path)
    assert load_settings(path, environ={}).ingest.chunk_tokens == 300


def test_config_cli_sets_validates_and_lists(fathom_home: Path) -> None:
    ok = fathom("config", "set", "rag.top_k", "7")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "rag.top_k = 7"
    saved = json.loads((fathom_home / "settings.json").read_text())
    assert saved["rag"]["top_k"] == 7 and saved["version"] == 1
    assert not list(fathom_home.glob("*.tmp"))

    bad = fathom("config", "set", "rag.top_k", "500")
    assert bad.returncode == 1
    assert "fathom: error: Invalid value for rag.top_k: '500'" in bad.stderr
    assert "hint: rag.top_k must be a number from 1 to 50." in bad.stderr
    assert json.loads((fathom_home / "settings.json").read_text())["rag"]["top_k"] == 7

    got = fathom("config", "get", "rag.top_k")
    assert got.stdout.strip() == "7"
    listed = fathom("config", "list", "--json")
    rows = {row["key"]: row for row in json.loads(listed.stdout)}
    assert rows["rag.top_k"]["value"] == 7 and rows["rag.top_k"]["default"] == 5
    assert rows["llm.reasoning_effort"]["choices"] == ["low", "medium", "high"]

    # An environment override wins while it is set, and `set` says so.
    env = {"FATHOM_RAG__TOP_K": "9"}
    assert fathom("config", "get", "rag.top_k", env=env).stdout.strip() == "9"
    noted = fathom("config", "set", "rag.top_k", "6", env=env)
    assert "FATHOM_RAG__TOP_K is set and overrides this" in noted.stdout

    # The chat model file is checked like `models add` checks it.
    not_gguf = fathom_home.parent / "notes.txt"
    not_gguf.write_text("hello")
    refused = fathom("config", "set", "llm.model", not_gguf)
    assert refused.returncode == 1 and "is not a GGUF file" in refused.stderr
    assert json.loads((fathom_home / "settings.json").read_text())["llm"]["model"] == ""
