import json
from pathlib import Path

import pytest

from desktop.core.errors import ConfigError
from desktop.core.paths import Paths, default_base_dir
from desktop.core.settings import SCHEMA_VERSION, Settings, load_settings, save_settings


def test_defaults_without_a_file(tmp_path: Path) -> None:
    s = load_settings(tmp_path / "settings.json", environ={})
    assert s == Settings()
    assert s.version == SCHEMA_VERSION
    assert s.rag.top_k == 5


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(Settings(rag={"top_k": 7}), path)  # type: ignore[arg-type]
    assert load_settings(path, environ={}).rag.top_k == 7
    env = {"FATHOM_RAG__TOP_K": "9", "FATHOM_LLM__REASONING_EFFORT": "high"}
    s = load_settings(path, environ=env)
    assert s.rag.top_k == 9
    assert s.llm.reasoning_effort == "high"


def test_bad_values_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rag\.top_k"):
        load_settings(tmp_path / "none.json", environ={"FATHOM_RAG__TOP_K": "0"})
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "llm": {"reasoning_effort": "extreme"}}))
    with pytest.raises(ConfigError, match=r"llm\.reasoning_effort"):
        load_settings(path, environ={})


def test_unreadable_and_future_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="Cannot read the settings file"):
        load_settings(path, environ={})
    path.write_text(json.dumps({"version": SCHEMA_VERSION + 1}))
    with pytest.raises(ConfigError, match="newer Fathom"):
        load_settings(path, environ={})


def test_save_is_atomic_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "settings.json"
    s = Settings(llm={"n_ctx": 4096, "temperature": 0.7})  # type: ignore[arg-type]
    save_settings(s, path)
    assert not path.with_name("settings.json.tmp").exists()
    assert load_settings(path, environ={}) == s


def test_fathom_home_decides_where_everything_lives(fathom_home: Path) -> None:
    assert default_base_dir() == fathom_home.resolve()
    paths = Paths.default()
    for p in (paths.settings_file, paths.store_dir, paths.models_dir, paths.chats_db):
        assert paths.base in p.parents
