"""The window's language: Fathom's own translation and Qt's, from the system's locale.

The window speaks the first language of the system's preferred ones (``QLocale.system()``:
LANGUAGE, LC_ALL, LC_MESSAGES, LANG on Linux; the user's languages on Windows and macOS)
that Fathom ships, else English. ``FATHOM_LANG`` (``zh_CN``, ``en``) overrides it; a
language Fathom does not ship means English, without an error. The choice is made once,
before the first window is built. The command line stays English whatever the locale.

Translations live in ``translations/fathom_<lang>.qm`` beside this module (compiled from
``resources/i18n/*.ts`` by ``packaging/update_translations.py``); Qt's own strings (the
standard buttons: OK, Cancel, Restore Defaults) come from the ``qtbase_<lang>.qm`` that
PySide6 ships.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

LANG_ENV = "FATHOM_LANG"
TRANSLATIONS = Path(__file__).resolve().with_name("translations")
ENGLISH = "en"
SHIPPED = (ENGLISH, "zh_CN")  # the languages a fathom_<lang>.qm is made for


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - the name lupdate reads
    """Mark ``text`` for translation where it is defined (a table of labels); it is
    translated where it is shown, with ``QCoreApplication.translate(context, text)``."""
    return text


def shipped_language(name: str) -> str | None:
    """The shipped language for a locale or language name (``zh-Hans-CN``, ``zh_CN.UTF-8``,
    ``en_GB``), or None. Chinese in the Simplified script is zh_CN; Traditional (zh_TW,
    zh_HK, zh_Hant) is not shipped."""
    tag = name.split(".")[0].split("@")[0].replace("-", "_").strip()
    parts = tag.split("_")
    language = parts[0].lower()
    rest = {p.upper() for p in parts[1:]}
    if language == "en":
        return ENGLISH
    if language == "zh" and not rest & {"TW", "HK", "MO", "HANT"}:
        return "zh_CN"
    return None


def choose_language(
    environ: Mapping[str, str] = os.environ, system: Iterable[str] | None = None
) -> str:
    """FATHOM_LANG when it names a shipped language (another name means English), else
    the first shipped language among the system's preferred ones, else English."""
    forced = environ.get(LANG_ENV, "").strip()
    if forced:
        return shipped_language(forced) or ENGLISH
    preferred = QLocale.system().uiLanguages() if system is None else list(system)
    for name in preferred:
        found = shipped_language(name)
        if found is not None:
            return found
    return ENGLISH


def install(app: QCoreApplication, language: str | None = None) -> str:
    """Install the translators for ``language`` (default: ``choose_language()``) on
    ``app``, replacing those installed before; returns the language used."""
    lang = shipped_language(language) if language else choose_language()
    lang = lang or ENGLISH
    for old in app.findChildren(QTranslator, "fathom-translator"):
        QCoreApplication.removeTranslator(old)
        old.deleteLater()
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in ((f"qtbase_{lang}", qt_folder), (f"fathom_{lang}", str(TRANSLATIONS))):
        translator = QTranslator(app)  # the app owns it: it lives as long as the app
        translator.setObjectName("fathom-translator")
        if translator.load(name, folder):
            QCoreApplication.installTranslator(translator)
        else:
            translator.deleteLater()
    return lang
