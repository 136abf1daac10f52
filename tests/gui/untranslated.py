"""Find window strings that are not marked for translation (an AST scan, no Qt needed).

A string literal (or an f-string, or a literal joined with ``+`` or ``.format``) given to
one of Qt's text-setting calls or text-taking constructors is a finding unless it goes
through ``tr()`` / ``QCoreApplication.translate()``; ``tr(f"...")`` is a finding too (the
translation could never match). Strings without a letter ("…", "✕", "%") and the app's
name are not text to translate.

    python tests/gui/untranslated.py desktop/gui/*.py
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# Methods whose string arguments are shown to people (every positional and keyword string).
TEXT_METHODS = {
    "setText",
    "setToolTip",
    "setStatusTip",
    "setWhatsThis",
    "setPlaceholderText",
    "setWindowTitle",
    "setWindowIconText",
    "setTitle",
    "setSubTitle",
    "setLabelText",
    "setInformativeText",
    "setDetailedText",
    "setAccessibleName",
    "setAccessibleDescription",
    "setButtonText",
    "setPrefix",
    "setSuffix",
    "setSpecialValueText",
    "setFormat",
    "setTabText",
    "setTabToolTip",
    "setItemText",
    "setHeaderLabels",
    "setHorizontalHeaderLabels",
    "setOkButtonText",
    "setCancelButtonText",
    "setNameFilter",
    "setNameFilters",
    "addAction",
    "addMenu",
    "addTab",
    "insertTab",
    "addButton",
    "addItem",
    "addItems",
    "insertItem",
    "addRow",
    "insertRow",
    "showMessage",
    # Fathom's own helpers that put their text on the screen.
    "set_activity",
    "show_note",
    "show_error",
    "_action",
    "_button",
}
# Classes whose constructor arguments (strings among them) are shown to people.
TEXT_CLASSES = {
    "QLabel",
    "QPushButton",
    "QToolButton",
    "QCheckBox",
    "QRadioButton",
    "QGroupBox",
    "QAction",
    "QMenu",
    "QCommandLinkButton",
    "QMessageBox",
    "QProgressDialog",
    "QListWidgetItem",
    "QTreeWidgetItem",
    "QTableWidgetItem",
    "QWizardPage",
    "ErrorInfo",  # an error written by the window (the core's own stay English)
    "ErrorDialog",
}
# Static helpers: QMessageBox.information(parent, title, text), QFileDialog.getOpenFileName
# (parent, caption, dir, filter), QInputDialog.getText(parent, title, label), ...
STATIC_OWNERS = {"QMessageBox", "QFileDialog", "QInputDialog", "QColorDialog", "QFontDialog"}
# Arguments of these static helpers that are not text (the start folder of a file dialog).
STATIC_SKIP = {
    ("QFileDialog", "getExistingDirectory"): {2, "dir"},
    ("QFileDialog", "getOpenFileName"): {2, "dir"},
    ("QFileDialog", "getOpenFileNames"): {2, "dir"},
    ("QFileDialog", "getSaveFileName"): {2, "dir"},
    ("QInputDialog", "getText"): {4, "text"},
}
# Methods with text and then data (addItem(text, data)): only the first string is text.
FIRST_TEXT_ONLY = {"addItem", "insertItem"}
NOT_TEXT = {"Fathom"}
TRANSLATORS = {"tr", "translate", "QT_TR_NOOP", "QT_TRANSLATE_NOOP"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    call: str
    text: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.call}(…{self.text!r}…) is not marked for translation"
        )


def _name(func: ast.expr) -> tuple[str, str]:
    """(owner, name) of a call: ("QMessageBox", "question"), ("", "QLabel"), ("x", "setText")."""
    if isinstance(func, ast.Attribute):
        owner = func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else ""
        return owner_name, func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def _is_error(name: str) -> bool:
    """An exception or error record built by the window: its message is shown."""
    builtin = isinstance(getattr(builtins, name, None), type)  # RuntimeError: a bug's text
    return name.endswith("Error") and name[:1].isupper() and not builtin


def _is_translator(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _name(node.func)[1] in TRANSLATORS


def _is_text(value: str) -> bool:
    value = re.sub(r"<[^>]*>", "", value)  # markup around translated parts is not text
    if re.fullmatch(r"\s*\w+://\S*\s*", value):  # an address
        return False
    return any(c.isalpha() for c in value) and value.strip() not in NOT_TEXT


def _literal_text(node: ast.expr) -> str | None:
    """The untranslated text this expression shows, or None (a variable, a translation)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _is_text(node.value) else None
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        text = "".join(str(p) for p in parts)
        return text if _is_text(text) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.List | ast.Tuple):
        return next((t for e in node.elts if (t := _literal_text(e)) is not None), None)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) or _literal_text(node.orelse)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("format", "join", "strip")
        and not _is_translator(node.func.value)
    ):
        return _literal_text(node.func.value)
    return None


def _is_stringish(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.JoinedStr | ast.BinOp) or _is_translator(node)


def _arguments(call: ast.Call) -> list[tuple[int | str, ast.expr]]:
    args: list[tuple[int | str, ast.expr]] = list(enumerate(call.args))
    args += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    return args


def scan_source(source: str, path: str = "<source>") -> list[Finding]:
    findings: list[Finding] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        owner, name = _name(node.func)
        label = f"{owner}.{name}" if owner else name
        if name in TRANSLATORS:
            # tr(f"...") or tr("..." + x): the source text is built, so no translation of
            # it can match (a name is fine: a text marked with QT_TRANSLATE_NOOP).
            at = 1 if name in ("translate", "QT_TRANSLATE_NOOP") else 0
            text = node.args[at] if len(node.args) > at else None
            if isinstance(text, ast.JoinedStr | ast.BinOp) or (
                isinstance(text, ast.Call) and _literal_text(text) is not None
            ):
                findings.append(Finding(path, node.lineno, label, ast.unparse(text)[:60]))
            continue
        skip: set[int | str] = set()
        if owner in STATIC_OWNERS and name[:1].islower():
            skip = STATIC_SKIP.get((owner, name), set())
        elif name not in TEXT_METHODS and name not in TEXT_CLASSES and not _is_error(name):
            continue
        args = _arguments(node)
        if name in FIRST_TEXT_ONLY:
            args = [(k, a) for k, a in args if _is_stringish(a)][:1]
        for key, arg in args:
            if key in skip:
                continue
            text = _literal_text(arg)
            if text is not None:
                findings.append(Finding(path, node.lineno, label, text[:60]))
    return findings


def scan_files(paths: list[Path]) -> list[Finding]:
    out: list[Finding] = []
    for path in paths:
        out += scan_source(path.read_text(encoding="utf-8"), str(path))
    return out


if __name__ == "__main__":
    found = scan_files([Path(p) for p in sys.argv[1:]])
    for f in found:
        print(f)
    sys.exit(1 if found else 0)
