"""Code panel: the current recipe as a standalone uproot + awkward script, ready to copy."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class CodeView(QWidget):
    """Read-only view of ``codegen.generate_script`` for the recipe of the last preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.note = QLabel()
        self.note.setStyleSheet("color: gray;")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the script to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        top = QHBoxLayout()
        top.addWidget(self.note, 1)
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        self.show_script("")

    def show_script(self, script: str) -> None:
        self.editor.setPlainText(script)
        self.copy_button.setEnabled(bool(script))
        if script:
            self.note.setText("The recipe as a standalone script: uproot.iterate, awkward padding, pyarrow writing (to flat.parquet).")
        else:
            self.note.setText("Tick branches to see the recipe as a Python script.")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.editor.toPlainText())
