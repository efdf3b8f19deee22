"""The crash handler: an unexpected error (a bug) is logged with its
traceback and shown in a dialog; the program keeps running, so whatever the
nurse was typing stays in the form. Known conditions (CathlogError) never
come here: they are shown where they happen."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from cathlog.fileio import private_file, private_folder


def make_handler(log_file: Path) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    def handler(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        text = "".join(traceback.format_exception(kind, error, tb))
        written = True
        try:
            private_folder(log_file.parent)  # 0700; the file 0600: a traceback may hold patient data
            with private_file(log_file).open("a", encoding="utf-8") as fh:
                fh.write(f"--- {datetime.now(timezone.utc).isoformat()}\n{text}\n")
        except OSError:
            written = False
        sys.stderr.write(text)
        if QApplication.instance() is not None:
            QMessageBox.critical(
                QApplication.activeWindow(), "cathlog: unexpected error",
                f"Something went wrong inside cathlog ({kind.__name__}: {error}).\n\n"
                "Every entry saved before is safe, and what you were typing is still in the form: check it and "
                "save again." + (f"\n\nDetails for support are in {log_file}." if written else ""))
    return handler


def install(log_file: Path) -> None:
    sys.excepthook = make_handler(log_file)
