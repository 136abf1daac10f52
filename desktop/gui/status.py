"""The status bar: the model, the store, and indexing activity."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget


class StatusPanel:
    """Three labels in a status bar; a progress bar while the model loads."""

    def __init__(self, bar: QStatusBar) -> None:
        self.model = QLabel(QCoreApplication.translate("StatusPanel", "Model: not loaded"), bar)
        self.model.setAccessibleName(QCoreApplication.translate("StatusPanel", "Model status"))
        self.model_busy = QProgressBar(bar)
        self.model_busy.setAccessibleName(
            QCoreApplication.translate("StatusPanel", "Model loading")
        )
        self.model_busy.setRange(0, 0)
        self.model_busy.setFixedWidth(80)
        self.model_busy.setFixedHeight(10)
        self.model_busy.setTextVisible(False)
        self.model_busy.setVisible(False)
        self.store = QLabel(QCoreApplication.translate("StatusPanel", "Store: opening…"), bar)
        self.store.setAccessibleName(QCoreApplication.translate("StatusPanel", "Store status"))
        self.activity = QLabel("", bar)
        self.activity.setAccessibleName(
            QCoreApplication.translate("StatusPanel", "Indexing activity")
        )
        bar.addWidget(self.activity, 1)
        for w in (self.store, self.model_busy, self.model):
            bar.addPermanentWidget(w)
        self._widgets: list[QWidget] = [self.model, self.store, self.activity]

    def set_model(self, state: str, detail: str) -> None:
        self.model_busy.setVisible(state == "loading")
        self.model_busy.setRange(0, 0)  # busy until llama.cpp reports its progress
        text = {
            "not loaded": QCoreApplication.translate("StatusPanel", "Model: not loaded"),
            "loading": QCoreApplication.translate("StatusPanel", "Model: loading…"),
            "failed": QCoreApplication.translate("StatusPanel", "Model: not available"),
        }.get(state) or QCoreApplication.translate("StatusPanel", "Model: {detail}").format(
            detail=detail if state == "ready" else state
        )
        self.model.setText(text)
        self.model.setToolTip(detail)

    def set_model_progress(self, percent: int) -> None:
        """How far a local model has loaded (llama.cpp's own progress)."""
        self.model_busy.setRange(0, 100)
        self.model_busy.setValue(percent)
        self.model.setText(
            QCoreApplication.translate("StatusPanel", "Model: loading… {percent}%").format(
                percent=percent
            )
        )

    def set_store(self, state: str, detail: str) -> None:
        text = {
            "opening": QCoreApplication.translate("StatusPanel", "Store: opening…"),
            "failed": QCoreApplication.translate("StatusPanel", "Store: unavailable"),
            "locked": QCoreApplication.translate("StatusPanel", "Store: in use by another Fathom"),
        }.get(state) or QCoreApplication.translate("StatusPanel", "Store: {detail}").format(
            detail=detail if state == "ready" else state
        )
        self.store.setText(text)
        self.store.setToolTip(detail)

    def set_activity(self, text: str) -> None:
        self.activity.setText(text)
