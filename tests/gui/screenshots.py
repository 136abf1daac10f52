"""Save PNG screenshots of the main window's states, for a person to review the look.

    python tests/gui/screenshots.py OUTDIR [--theme light|dark|both] [--lang en|zh_CN|both]

States: empty, indexing, answering (reasoning, Markdown with a table and code, sources,
an unverified citation, the chat's scope chips, the source viewer), the source viewer on
a PDF page (a quote highlighted more strongly) and on a Markdown file, settings, models,
and the setup wizard's first page. The window runs on a fresh, empty Fathom home; the
states are set through the widgets' own methods (the same ones the live window calls), so
no model or store work is needed.

Each state is shot in English (NAME-THEME.png) and in Simplified Chinese
(NAME-THEME-zh_CN.png, the window's translation with a conversation in Chinese). Chinese
needs a CJK font: on Debian and Ubuntu ``apt-get install fonts-wqy-microhei``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ANSWER = """Before leaving, **charge the handheld** and pack the spare radio module [1].
On site, photograph the mast from the north side first [2].

| Item | Where | Checked |
|------|-------|---------|
| Spare radio module | Pack, left pocket | yes |
| Pairing codes | Printed sheet | no |

To check the link afterwards, run:

```
fathom ask "Was the radio link tested?"
```

The notes also mention Tromsø [5]."""

REASONING = (
    "The question asks what to pack. Source 1 is the checklist's 'Before leaving' section, "
    "which lists the handheld and the spare radio module. Source 2 covers the site itself. "
    "I should answer with the packing list first and cite [1], then mention [2]."
)

SOURCES = [
    {
        "rank": 1,
        "path": "/home/ana/Field/checklist.md",
        "page": 0,
        "heading": "Before leaving",
        "score": 0.91,
        "text": "- Charge the handheld and pack the spare radio module.\n"
        "- Print the pairing codes.",
    },
    {
        "rank": 2,
        "path": "/home/ana/Field/Station handbook.pdf",
        "page": 12,
        "heading": "On site",
        "score": 0.78,
        "text": "Photograph the mast from the north side, then check the guy wires. "
        "Note any corrosion on the mounting brackets and report it the same day.",
    },
]
CITATIONS = [
    {"number": 1, "path": SOURCES[0]["path"], "verified": True, "problem": ""},
    {"number": 2, "path": SOURCES[1]["path"], "verified": True, "problem": ""},
    {"number": 5, "path": "", "verified": False, "problem": "there is no source [5]"},
]
CHAT = {
    "questions": ["What should be packed before leaving?", "How does Milvus Lite store data?"],
    "follow_up": "And what about the guy wires?",
    "streaming_reasoning": "Looking at source 2 again…",
    "streaming_answer": "Check the guy wires right after photographing the mast [2]",
    "answer": ANSWER,
    "reasoning": REASONING,
    "sources": SOURCES,
    "citations": CITATIONS,
    "scope": ["/home/ana/Field", "/home/ana/Manuals/Station handbook.pdf"],
}

ANSWER_ZH = """出发前请**给手持终端充电**，并带上备用无线电模块 [1]。
到达现场后，先从北侧给桅杆拍照 [2]。

| 物品 | 放在哪里 | 已检查 |
|------|----------|--------|
| 备用无线电模块 | 背包左侧口袋 | 是 |
| 配对码 | 打印的清单 | 否 |

之后要检查链路，可以运行：

```
fathom ask "无线电链路测试过了吗？"
```

笔记里还提到了特罗姆瑟 [5]。"""

SOURCES_ZH = [
    {
        "rank": 1,
        "path": "/home/ana/野外工作/检查清单.md",
        "page": 0,
        "heading": "出发之前",
        "score": 0.91,
        "text": "- 给手持终端充电，并带上备用无线电模块。\n- 打印配对码。",
    },
    {
        "rank": 2,
        "path": "/home/ana/野外工作/台站手册.pdf",
        "page": 12,
        "heading": "现场",
        "score": 0.78,
        "text": "从北侧给桅杆拍照，然后检查拉线。记录安装支架上的任何锈蚀，并在当天报告。",
    },
]
CHAT_ZH = {
    "questions": ["出发前应该带些什么？", "Milvus Lite 是怎样存储数据的？"],
    "follow_up": "拉线要怎么检查？",
    "streaming_reasoning": "再看一下来源 2……",
    "streaming_answer": "给桅杆拍完照后立即检查拉线 [2]",
    "answer": ANSWER_ZH,
    "reasoning": "问题问的是要带什么。来源 1 是清单中“出发之前”一节，列出了手持终端和备用"
    "无线电模块；来源 2 讲的是现场。先回答装备清单并引用 [1]，再提到 [2]。",
    "sources": SOURCES_ZH,
    "citations": [
        {"number": 1, "path": SOURCES_ZH[0]["path"], "verified": True, "problem": ""},
        {"number": 2, "path": SOURCES_ZH[1]["path"], "verified": True, "problem": ""},
        {"number": 5, "path": "", "verified": False, "problem": "there is no source [5]"},
    ],
    "scope": ["/home/ana/野外工作", "/home/ana/手册/台站手册.pdf"],
}


def has_cjk_font() -> bool:
    """Whether fontconfig knows a font with Chinese glyphs (Linux); elsewhere assume so."""
    if shutil.which("fc-list") is None:
        return True
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def shoot(out: Path, theme: str, lang: str = "en") -> list[Path]:
    os.environ["FATHOM_THEME"] = theme
    os.environ["FATHOM_LANG"] = lang  # make_app installs this language's translation
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.core.chats import KnowledgeFolder
    from desktop.core.paths import Paths
    from desktop.gui.app import apply_look, make_app
    from desktop.gui.main_window import MainWindow

    app = make_app()
    apply_look(app)
    home = Path(tempfile.mkdtemp(prefix="fathom-shots-"))
    window = MainWindow(Paths(home), autostart=False)
    window.resize(1280, 800)
    window.show()
    saved: list[Path] = []
    chat = CHAT if lang == "en" else CHAT_ZH
    suffix = "" if lang == "en" else f"-{lang}"

    def tr(context: str, text: str, **values: object) -> str:
        return QCoreApplication.translate(context, text).format(**values)

    def save(name: str, widget: object = None) -> None:
        for _ in range(5):
            app.processEvents()
        target = widget or window
        path = out / f"{name}-{theme}{suffix}.png"
        target.grab().save(str(path))  # type: ignore[attr-defined]
        saved.append(path)

    window.status.set_store("ready", tr("MainWindow", "{count} chunks", count=0))
    window.status.set_model("loading", "")
    window.status.set_model_progress(63)
    save("empty")

    lib = window.sidebar.library
    lib.show_folders(
        [
            KnowledgeFolder(
                "/home/ana/Field",
                1.0,
                time.time() - 3 * 3600,
                12,
                340,
                (("/home/ana/Field/scan.pdf", "no text layer (a scanned PDF?)"),),
            ),
            KnowledgeFolder("/home/ana/Projects/milvus-docs", 2.0, 0.0, 0, 0),
        ]
    )
    lib.progress.reset()
    lib.progress.setVisible(True)
    lib.progress.started(272)
    for i in range(1, 88):
        lib.progress.file_finished(
            f"/docs/site/en/userGuide/file-{i}.md", i, 6, "failed" if i == 40 else "added"
        )
    window.status.set_activity(
        tr("MainWindow", "Indexing {done}/{total}: {file}", done=87, total=272, file="faq.md")
    )
    window.status.set_model("ready", "gpt-oss-20b · GPU")
    window.status.set_store("ready", tr("MainWindow", "{count} chunks", count="4,812"))
    save("indexing")

    lib.progress.setVisible(False)
    window.status.set_activity("")
    first, second = chat["questions"]
    conv = window.backend.chats.create(first)
    window.refresh_conversations()
    window.backend.chats.create(second)
    window.refresh_conversations()
    window.chat.add_question(first)
    answer = window.chat.add_answer()
    answer.add_reasoning(chat["reasoning"])
    stats = tr("MainWindow", "{tokens} tokens · {rate} tok/s", tokens=212, rate="38.5")
    answer.finish(
        chat["answer"], chat["reasoning"], chat["sources"], chat["citations"], "complete", stats
    )
    answer.reasoning_toggle.setChecked(True)
    window.conversation_id = conv.id
    window.scope_bar.show_scope(chat["scope"])
    window.show_source(chat["sources"][1])
    save("answering")

    window.chat.add_question(chat["follow_up"])
    streaming = window.chat.add_answer()
    streaming.add_reasoning(chat["streaming_reasoning"])
    streaming.add_answer_text(chat["streaming_answer"])
    streaming.add_sources(chat["sources"][1:])
    streaming.flush()
    window.send_button.setVisible(False)
    window.stop_button.setVisible(True)
    save("streaming")

    shoot_viewer(window, save)

    try:
        from desktop.gui.settings_dialog import SettingsDialog
    except ImportError:
        print("settings: no settings dialog yet, skipped")
    else:
        from desktop.core.services import Services

        dialog = SettingsDialog(Services.from_environment(home), window)
        dialog.show()
        save("settings", dialog)
        dialog.close()
    shoot_dialogs(window, home, save)
    window.close()
    QApplication.processEvents()
    return saved


def _wait(until: Any, seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until():
        QApplication.processEvents()
        time.sleep(0.02)


def shoot_dialogs(window: Any, home: Path, save: Any) -> None:
    """The models dialog (its list made on a worker) and the setup wizard's first page
    (this machine examined on a worker)."""
    from desktop.core.services import Services
    from desktop.gui.models_dialog import ModelsDialog
    from desktop.gui.setup_wizard import SetupWizard

    services = Services.from_environment(home)
    models = ModelsDialog(services, window)
    models.show()
    _wait(lambda: not models._busy, 20)
    save("models", models)
    models.close()
    models.deleteLater()
    wizard = SetupWizard(services, window)
    wizard.show()
    _wait(lambda: wizard.recommendation is not None, 60)
    save("setup", wizard)
    wizard.close()
    wizard.deleteLater()
    _wait(lambda: False, 0.2)  # both go before the next shoot restyles every widget


def shoot_viewer(window: Any, save: Any) -> None:
    """The viewer on the test handbook's PDF page and on a Markdown file of the corpus."""
    from PySide6.QtWidgets import QApplication

    from desktop.core.ingest.chunking import chunk_document
    from desktop.core.ingest.readers import reader_for

    repo = Path(__file__).resolve().parents[2]
    pdf = repo / "tests" / "data" / "documents" / "good" / "handbook.pdf"
    markdown = repo.parent / "shared" / "corpus" / "milvus-docs-2.4" / "faq" / "performance_faq.md"
    if not markdown.is_file():
        markdown = repo / "tests" / "data" / "documents" / "good" / "checklist.md"
    viewer = window.preview
    for name, path, pick, quote in (
        ("viewer-pdf", pdf, "E-17", "the radio module has lost its pairing"),
        ("viewer-markdown", markdown, "", ""),
    ):
        doc = reader_for(path)(str(path), path.read_bytes())  # type: ignore[misc]
        chunks = chunk_document(doc, size=700, overlap=60)
        chunk = next((c for c in chunks if pick and pick in c.text), chunks[len(chunks) // 2])
        source = {
            "rank": 2,
            "path": str(path),
            "page": chunk.page,
            "heading": chunk.heading,
            "score": 0.8,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
            "quotes": [quote] if quote else [],
            "problem": "" if quote else 'quoted text not found in the source: "the seals"',
        }
        done: list[bool] = []
        viewer.loaded.connect(lambda done=done: done.append(True))
        window.show_source(source)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            done
            and (
                viewer.stack.currentWidget() is not viewer.pdf
                or not viewer.pdf.canvas.image.isNull()
            )
        ):
            QApplication.processEvents()
            time.sleep(0.01)
        time.sleep(0.2)
        save(name)
        viewer.loaded.disconnect()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--theme", choices=["light", "dark", "both"], default="both")
    parser.add_argument("--lang", choices=["en", "zh_CN", "both"], default="both")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    args.outdir.mkdir(parents=True, exist_ok=True)
    themes = ["light", "dark"] if args.theme == "both" else [args.theme]
    langs = ["en", "zh_CN"] if args.lang == "both" else [args.lang]
    if "zh_CN" in langs and not has_cjk_font():
        print("zh_CN: no font with Chinese glyphs; install fonts-wqy-microhei", file=sys.stderr)
    if len(themes) * len(langs) == 1:
        for path in shoot(args.outdir, themes[0], langs[0]):
            print(path)
        return 0
    # Each look in a fresh process: a second QApplication restyle after the dialogs were
    # shown can crash Qt, and a fresh one is what each person's window starts with.
    failed = 0
    for lang in langs:
        for theme in themes:
            cmd = [sys.executable, __file__, str(args.outdir), "--theme", theme, "--lang", lang]
            failed += subprocess.run(cmd, check=False).returncode != 0
    return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
