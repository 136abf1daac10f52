"""Update the window's translations from the sources, and compile them.

    .venv/bin/python packaging/update_translations.py          # update .ts, compile .qm
    .venv/bin/python packaging/update_translations.py --check  # exit 1 when out of date

Qt's lupdate (``pyside6-lupdate``, shipped in the PySide6 wheel) collects every string in
``desktop/gui/*.py`` marked with ``self.tr()``, ``QCoreApplication.translate()`` or
``QT_TRANSLATE_NOOP()`` into ``resources/i18n/fathom_<lang>.ts``, keeping the translations
already there and dropping strings that are gone. Translators edit the .ts (Qt Linguist:
``pyside6-linguist``, or any text editor); ``pyside6-lrelease`` compiles each into
``desktop/gui/translations/fathom_<lang>.qm``, which ships with the package and the
installers. The .qm files are committed, so installing Fathom needs no Qt tools.

A new language: add it to LANGUAGES here and to SHIPPED in desktop/gui/i18n.py, run this
script, translate the new .ts, run it again.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "desktop" / "gui"
TS_DIR = ROOT / "resources" / "i18n"
QM_DIR = ROOT / "desktop" / "gui" / "translations"
LANGUAGES = ("en", "zh_CN")


def tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease beside this Python (the venv's), else on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def sources() -> list[str]:
    return sorted(str(p) for p in SOURCES.glob("*.py"))


def lupdate(ts: Path, language: str) -> None:
    """Bring ``ts`` up to date with the sources (created when missing)."""
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            *sources(),
            "-locations",
            "none",
            "-no-obsolete",
            "-source-language",
            "en",
            "-target-language",
            language,
            "-silent",
            "-ts",
            str(ts),
        ],
        check=True,
        cwd=ROOT,
    )


def lrelease(ts: Path, qm: Path) -> None:
    qm.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True, cwd=ROOT
    )


def ts_path(language: str) -> Path:
    return TS_DIR / f"fathom_{language}.ts"


def qm_path(language: str) -> Path:
    return QM_DIR / f"fathom_{language}.qm"


def update() -> None:
    TS_DIR.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        lupdate(ts_path(language), language)
        lrelease(ts_path(language), qm_path(language))


def messages(ts: Path) -> dict[tuple[str, str], str | None]:
    """(context, source text) → its translation, None while unfinished."""
    out: dict[tuple[str, str], str | None] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            done = translation is not None and translation.get("type") is None
            text = (translation.text or "") if translation is not None else ""
            out[(name, message.findtext("source") or "")] = text if done else None
    return out


def qm_misses(ts: Path, qm: Path) -> list[tuple[str, str]]:
    """The finished translations of ``ts`` that ``qm`` does not give back."""
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    if not translator.load(str(qm)):
        return [("", f"{qm.name} does not load")]
    return [
        (context, source)
        for (context, source), text in messages(ts).items()
        if text and translator.translate(context, source) != text
    ]


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def out_of_date() -> list[str]:
    """What an update would change: a .ts whose messages differ from what lupdate finds
    in the sources, or a .qm that does not give the .ts's translations. (Messages, not
    bytes: another Qt version writes the same messages a little differently.)"""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for language in LANGUAGES:
            committed = ts_path(language)
            if not committed.exists():
                problems.append(f"{shown(committed)} is missing")
                continue
            fresh = Path(tmp) / committed.name
            fresh.write_bytes(committed.read_bytes())
            lupdate(fresh, language)
            if messages(fresh) != messages(committed):
                problems.append(f"{shown(committed)} differs from the sources")
            shipped = qm_path(language)
            if not shipped.exists() or qm_misses(committed, shipped):
                problems.append(f"{shown(shipped)} is not the compiled .ts")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is stale")
    args = parser.parse_args()
    if args.check:
        problems = out_of_date()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    update()
    return 0


if __name__ == "__main__":
    sys.exit(main())
