"""Save PNG screenshots of the main window's states, for a person to review the look.

    python tests/gui/screenshots.py OUTDIR [--theme light|dark|both]

States: empty, indexing, answering (reasoning, Markdown with a table and code, sources,
an unverified citation, the chat's scope chips, the source viewer), the source viewer on
a PDF page (a quote highlighted more strongly) and on a Markdown file, settings (when the
dialog exists). The window runs on a fresh, empty Fathom home; the states are set through
the widgets' own methods (the same ones the live window calls), so no model or store work
is needed.
"""

from __future__ import annotations

import argparse
import os
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


def shoot(out: Path, theme: str) -> list[Path]:
    os.environ["FATHOM_THEME"] = theme
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

    def save(name: str, widget: object = None) -> None:
        for _ in range(5):
            app.processEvents()
        target = widget or window
        path = out / f"{name}-{theme}.png"
        target.grab().save(str(path))  # type: ignore[attr-defined]
        saved.append(path)

    window.status.set_store("ready", "0 chunks")
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
    window.status.set_activity("Indexing 87/272: manage-collections.md")
    window.status.set_model("ready", "gpt-oss-20b · GPU")
    window.status.set_store("ready", "4,812 chunks")
    save("indexing")

    lib.progress.setVisible(False)
    window.status.set_activity("")
    conv = window.backend.chats.create("What should be packed before leaving?")
    window.refresh_conversations()
    window.backend.chats.create("How does Milvus Lite store data?")
    window.refresh_conversations()
    window.chat.add_question("What should be packed before leaving?")
    answer = window.chat.add_answer()
    answer.add_reasoning(REASONING)
    answer.finish(ANSWER, REASONING, SOURCES, CITATIONS, "complete", "212 tokens · 38.5 tok/s")
    answer.reasoning_toggle.setChecked(True)
    window.conversation_id = conv.id
    window.scope_bar.show_scope(["/home/ana/Field", "/home/ana/Manuals/Station handbook.pdf"])
    window.show_source(SOURCES[1])
    save("answering")

    window.chat.add_question("And what about the guy wires?")
    streaming = window.chat.add_answer()
    streaming.add_reasoning("Looking at source 2 again…")
    streaming.add_answer_text("Check the guy wires right after photographing the mast [2]")
    streaming.add_sources(SOURCES[1:])
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
    window.close()
    QApplication.processEvents()
    return saved


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
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    args.outdir.mkdir(parents=True, exist_ok=True)
    themes = ["light", "dark"] if args.theme == "both" else [args.theme]
    for theme in themes:
        for path in shoot(args.outdir, theme):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
