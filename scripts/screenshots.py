"""Take screenshots of cathlog's windows for review and for docs/.

Run under a real X server (Xvfb), e.g.:
    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python scripts/screenshots.py OUT_DIR
Builds a throwaway database with demo cases; never touches real data.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cathlog.demo import load_demo
from cathlog.services import Services
from cathlog.store.db import Store
from cathlog.ui.dialogs import FirstRunDialog, SignInDialog
from cathlog.ui.main_window import MainWindow
from cathlog.ui.theme import LIGHT


def _grab(widget, path: Path) -> None:
    widget.show()
    QApplication.processEvents()
    widget.grab().save(str(path))
    print(path)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    app.setStyleSheet(LIGHT)
    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Store.open(Path(tmp) / "demo.db"))
        _grab(FirstRunDialog(services, "~/.local/share/cathlog/cathlog.db"), out / "first-run.png")
        admin = services.auth.create_first_admin("admin", "Ada Admin", "correct horse battery")
        _grab(SignInDialog(services, "~/.local/share/cathlog/cathlog.db"), out / "sign-in.png")
        empty = MainWindow(services, admin, "cathlog.db")
        _grab(empty, out / "main-empty.png")
        empty.close()
        load_demo(services, admin, 25, seed=21)
        window = MainWindow(services, admin, "cathlog.db")
        window.case_view.selectRow(3)
        _grab(window, out / "main-case.png")
        window.close()
        services.store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
