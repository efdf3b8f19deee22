"""Start-up: the command line if a command is given, else the GUI.

GUI bootstrap: QApplication, open the store (refusing a damaged or foreign
file with a clear message), first-run admin creation or sign-in, then the
main window. Qt is imported only on the GUI path, so the command line starts
fast and runs where no display libraries are installed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("--db"):
        from cathlog.cli import main as cli_main

        return cli_main(args)
    from cathlog.ui.bootstrap import run_gui

    return run_gui(args)
