"""The window in other languages: every window string is marked for translation, the
Simplified Chinese translation is complete and compiled from the sources as they are, and
the window speaks the language the locale or FATHOM_LANG asks for (English otherwise)."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.core.paths import Paths
from desktop.gui import i18n
from tests.gui.untranslated import scan_files, scan_source

REPO = Path(__file__).resolve().parents[2]
GUI = REPO / "desktop" / "gui"
SAME_IN_CHINESE = {"Markdown (*.md)", "/path/to/model.gguf"}  # a file type, a path


def _update_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "update_translations", REPO / "packaging" / "update_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def window_modules() -> list[Path]:
    """The modules that build widgets: those that import Qt. (launch.py, platform_check.py
    and store_host.py run before Qt loads or in the store's process: what they print goes
    to stderr in English, as the CLI's messages do.)"""
    return [p for p in sorted(GUI.glob("*.py")) if "from PySide6" in p.read_text("utf-8")]


# --- (a) every window string is marked ----------------------------------------------------


def test_every_window_string_is_marked_for_translation() -> None:
    modules = window_modules()
    assert {"main_window.py", "settings_dialog.py", "chat_view.py"} <= {p.name for p in modules}
    findings = scan_files(modules)
    assert not findings, "\n".join(str(f) for f in findings)


@pytest.mark.parametrize(
    "snippet",
    [
        'label = QLabel("Knowledge", self)',
        'self.button.setText("Send")',
        'box.setToolTip(f"Removed {name}")',
        'edit.setPlaceholderText("Search" + suffix)',
        'self.setWindowTitle("Settings")',
        'menu.addAction("Whole library")',
        'bar.addMenu("&File")',
        'QMessageBox.question(self, self.tr("Delete chat"), "Delete it?")',
        'QFileDialog.getOpenFileName(self, "Add a GGUF chat model", start, pattern)',
        'combo.addItem("Reasoning: low", "low")',
        'tabs.addTab(page, "Model")',
        'self.status.set_activity("Indexing…")',
        'raise ConfigError("No chat model was chosen.")',
        'self.tree.setHeaderLabels(["Folder", "Files"])',
        'self.label.setText(self.tr(f"Indexed {n} files"))',
        'x.setText(QCoreApplication.translate("Ctx", "Page " + str(n)))',
        'box.setStatusTip("Shown in the status bar")',
    ],
)
def test_the_scan_finds_an_unmarked_string(snippet: str) -> None:
    assert len(scan_source(snippet)) == 1, snippet


@pytest.mark.parametrize(
    "snippet",
    [
        'label = QLabel(self.tr("Knowledge"), self)',
        'self.button.setText(self.tr("Removed {name}").format(name=name))',
        'x.setText(QCoreApplication.translate("StatusPanel", "Model: not loaded"))',
        'x.setText(QCoreApplication.translate("SettingsDialog", LABELS[key]))',
        'combo.addItem(self.tr("Reasoning: low"), "low")',
        'close.setText("✕")',
        'self.zoom_label.setText(f"{self.zoom:.0%}")',
        'edit.setPlaceholderText("http://localhost:8080/v1")',
        'self.setWindowTitle("Fathom")',
        'QLabel(f"<b>{title}</b>", self)',
        'self.setObjectName("primary")',
        'raise RuntimeError("the job was started already")',
        "self.label.setText(text)",
    ],
)
def test_the_scan_lets_marked_or_wordless_strings_pass(snippet: str) -> None:
    assert scan_source(snippet) == [], snippet


# --- (b) the translation is complete and compiled from the sources ----------------------


def _messages(ts: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts).getroot()
    out = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out.append((name, message.findtext("source") or "", message))
    return out


def test_every_source_string_has_a_chinese_translation() -> None:
    messages = _messages(REPO / "resources" / "i18n" / "fathom_zh_CN.ts")
    assert len(messages) > 300
    placeholders = re.compile(r"\{\w*\}|<[^>]+>")
    for context, source, message in messages:
        translation = message.find("translation")
        assert translation is not None
        where = f"{context}: {source!r}"
        assert translation.get("type") is None, f"unfinished: {where}"
        text = translation.text or ""
        assert text.strip(), f"empty: {where}"
        words = re.findall("[a-z]{4,}", placeholders.sub("", source))
        assert text != source or not words or source in SAME_IN_CHINESE, f"untranslated: {where}"
        assert sorted(placeholders.findall(text)) == sorted(placeholders.findall(source)), where
        assert ("&" in text) == ("&" in source), f"accelerator: {where}"


def test_the_translations_are_up_to_date_with_the_sources() -> None:
    """lupdate over the sources, in a temporary folder, finds the messages the committed
    .ts files have, and each committed .qm gives its .ts's translations."""
    problems = _update_script().out_of_date()
    assert not problems, "; ".join(problems) + " (run packaging/update_translations.py)"


def test_the_stale_check_notices_a_new_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _update_script()
    sources = tmp_path / "gui"
    sources.mkdir()
    for p in GUI.glob("*.py"):
        (sources / p.name).write_text(p.read_text("utf-8"), encoding="utf-8")
    extra = "from PySide6.QtCore import QCoreApplication\n"
    extra += 'QCoreApplication.translate("MainWindow", "A string nobody translated yet")\n'
    (sources / "zz_new.py").write_text(extra, encoding="utf-8")
    monkeypatch.setattr(script, "SOURCES", sources)
    assert any("fathom_zh_CN.ts differs" in p for p in script.out_of_date())


def test_the_stale_check_notices_a_qm_that_lacks_the_translations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _update_script()
    (tmp_path / "fathom_en.qm").write_bytes((i18n.TRANSLATIONS / "fathom_en.qm").read_bytes())
    # English's .qm has no translations: as the Chinese one it is stale.
    (tmp_path / "fathom_zh_CN.qm").write_bytes((i18n.TRANSLATIONS / "fathom_en.qm").read_bytes())
    monkeypatch.setattr(script, "QM_DIR", tmp_path)
    problems = script.out_of_date()
    assert [p for p in problems if "qm" in p] == [
        f"{tmp_path / 'fathom_zh_CN.qm'} is not the compiled .ts"
    ], problems


# --- (c) the window speaks the chosen language --------------------------------------------


@pytest.fixture
def english_after(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    i18n.install(qapp, "en")


def test_the_language_comes_from_the_locale_and_fathom_lang() -> None:
    assert i18n.choose_language({"FATHOM_LANG": "zh_CN"}, ["en-US"]) == "zh_CN"
    assert i18n.choose_language({"FATHOM_LANG": "en"}, ["zh-CN"]) == "en"
    assert i18n.choose_language({"FATHOM_LANG": "tlh"}, ["zh-CN"]) == "en"  # unknown
    assert i18n.choose_language({}, ["zh-Hans-CN", "en-US"]) == "zh_CN"
    assert i18n.choose_language({}, ["zh_CN.UTF-8"]) == "zh_CN"
    assert i18n.choose_language({}, ["de-DE", "zh-CN"]) == "zh_CN"
    assert i18n.choose_language({}, ["zh-TW"]) == "en"  # Traditional is not shipped
    assert i18n.choose_language({}, ["fr-FR"]) == "en"
    assert i18n.choose_language({}, []) == "en"


def test_the_shipped_translations_load() -> None:
    for language in i18n.SHIPPED:
        assert (i18n.TRANSLATIONS / f"fathom_{language}.qm").is_file()


def _texts(window: object) -> dict[str, str]:
    from desktop.gui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    return {
        "send": window.send_button.text(),
        "menu": window.menuBar().actions()[0].text(),
        "new chat": window.sidebar.conversations.new_button.text(),
        "add folder": window.sidebar.library.add_button.text(),
        "model": window.status.model.text(),
        "effort": window.effort.currentText(),
        "scope": window.scope_bar.chips[0].text(),
    }


def test_with_fathom_lang_zh_cn_the_window_is_chinese(
    english_after: QApplication,
    qtbot: QtBot,
    fathom_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.gui.main_window import MainWindow

    monkeypatch.setenv("FATHOM_LANG", "zh_CN")
    assert i18n.install(english_after) == "zh_CN"
    window = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(window)
    assert _texts(window) == {
        "send": "发送",
        "menu": "文件(&F)",
        "new chat": "新建对话",
        "add folder": "添加文件夹…",
        "model": "模型：未加载",  # noqa: RUF001 - Chinese punctuation
        "effort": "推理：中",  # noqa: RUF001
        "scope": "整个资料库",
    }
    window.status.set_store("ready", "12 chunks")
    assert window.status.store.text().startswith("存储")
    # Qt's own standard buttons come from qtbase's Chinese translation.
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert buttons.buttons()[0].text() == "取消"


@pytest.mark.parametrize("lang", ["en", "tlh_XX"])
def test_with_fathom_lang_en_or_unknown_the_window_is_english(
    lang: str,
    english_after: QApplication,
    qtbot: QtBot,
    fathom_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.gui.main_window import MainWindow

    i18n.install(english_after, "zh_CN")  # replaced by the next install
    monkeypatch.setenv("FATHOM_LANG", lang)
    assert i18n.install(english_after) == "en"
    window = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(window)
    assert _texts(window) == {
        "send": "Send",
        "menu": "&File",
        "new chat": "New chat",
        "add folder": "Add folder…",
        "model": "Model: not loaded",
        "effort": "Reasoning: medium",
        "scope": "Whole library",
    }


@pytest.mark.slow
def test_the_wheel_carries_the_compiled_translations(tmp_path: Path) -> None:
    """The package data names the .qm files: an installed Fathom (a wheel, as pip makes
    it from a copy of the sources) has them beside desktop/gui/i18n.py."""
    import shutil
    import subprocess
    import sys
    import zipfile

    src = tmp_path / "src"
    shutil.copytree(REPO / "desktop", src / "desktop", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    wheels = tmp_path / "wheels"
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation"]
    proc = subprocess.run([*cmd, "-q", "-w", str(wheels)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = wheels.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in i18n.SHIPPED:
        assert f"desktop/gui/translations/fathom_{language}.qm" in names
