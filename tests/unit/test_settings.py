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


def test_update_saves_the_keys_and_returns_the_settings_in_effect(tmp_path: Path) -> None:
    from desktop.core.settings import SettingsFile

    path = tmp_path / "settings.json"
    save_settings(Settings(rag={"top_k": 7}), path)  # type: ignore[arg-type]
    env = {"FATHOM_LLM__TEMPERATURE": "1.5", "FATHOM_RAG__TOP_K": "3"}
    file = SettingsFile(path, environ=env)
    new = file.update({"ingest.chunk_tokens": "128", "rag.top_k": 9})
    # what was asked applies at once, over the environment; other overrides stay
    assert (new.ingest.chunk_tokens, new.rag.top_k, new.llm.temperature) == (128, 9, 1.5)
    saved = json.loads(path.read_text())  # the file holds no environment override
    assert saved["ingest"]["chunk_tokens"] == 128 and saved["rag"]["top_k"] == 9
    assert saved["llm"]["temperature"] == Settings().llm.temperature
    assert file.load().rag.top_k == 3  # read again, the environment wins while it is set

    before = path.read_text()
    with pytest.raises(ConfigError, match=r"ingest\.chunk_overlap"):
        file.update({"llm.max_tokens": 64, "ingest.chunk_overlap": "lots"})
    assert path.read_text() == before  # one bad value: nothing is written


def test_services_change_their_settings_through_the_file(fathom_home: Path) -> None:
    from desktop.core.services import Services
    from desktop.core.settings import set_key

    services = Services.from_environment()
    returned = services.update_settings({"rag.top_k": "11"})
    assert returned is services.settings and services.settings.rag.top_k == 11
    assert Services.from_environment().settings.rag.top_k == 11
    trial = services.with_settings(set_key(returned, "rag.top_k", 2))  # tried, not saved
    assert trial.settings.rag.top_k == 2 and trial.paths == services.paths
    assert services.settings.rag.top_k == 11
    assert Services.from_environment().settings.rag.top_k == 11

    services.paths.settings_file.write_text("{broken")
    with pytest.raises(ConfigError):
        Services.from_environment()
    fallback = Services.from_paths(services.paths, defaults_on_error=True)
    assert fallback.settings == Settings() and fallback.settings_problem is not None
    assert "Cannot read the settings file" in fallback.settings_problem.message
