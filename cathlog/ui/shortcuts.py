"""The one home of cathlog's keyboard shortcuts: their key strings and what each does.

The main window's menus take their keys from the constants here. The pages (case list, live log,
entry form) register their own ``QShortcut``s; ``DESCRIBED`` says what each of those keys does, and
the keyboard reference (Help → Keyboard reference, ``help_dialogs``) is built from the shortcuts
actually registered in the window, described from here, so it never lists a key that does nothing.
A key registered without a description here shows in the reference under "not yet described" and
fails ``tests/ui/test_help_dialogs.py``: add its line to ``DESCRIBED`` when adding a key.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- menu keys (registered by the main window) ---------------------------------------------
NEW_CASE = "Ctrl+N"
REFRESH = "Ctrl+R"  # not F5: F5 is the inflation timer
LOCK_NOW = "Ctrl+L"
WORKLIST = "Ctrl+W"
DOSE_INBOX = "Ctrl+Shift+D"  # the dose reports waiting for a case
QUIT = "Ctrl+Q"  # explicit: the standard Quit key is empty on some platforms (offscreen, Windows)

# --- live log keys (registered by the live log page) -----------------------------------------
CLOSE_CASE = "Ctrl+Shift+C"
REOPEN_CASE = "Ctrl+Shift+O"
BACK_TO_CASES = ("Esc", "Alt+Left")  # Esc closes an open form first

# --- new-case dialog keys (registered by its worklist panel, ui/mwl_panel.py) -----------------
WORKLIST_LIST = "Alt+W"  # go to today's scheduled cases; Ctrl+R (REFRESH) asks the worklist again


@dataclass(frozen=True)
class KeyUse:
    key: str  # as QKeySequence.toString(PortableText) writes it, e.g. "Ctrl+Shift+O"
    where: str  # the screen where the key works
    does: str


QUICK_KEY_NOTE = "Quick entry: "  # the F-keys are described from the live log's own list (QUICK_KEYS)

# What the pages' own shortcuts do (one line per key and screen).
DESCRIBED: tuple[KeyUse, ...] = (
    KeyUse("Ctrl+F", "Case list", "Go to the search box"),
    KeyUse("Ctrl+Shift+O", "Case list", "Reopen the selected closed case (asks for a reason)"),
    KeyUse("Ctrl+E", "Live log", "Correct the selected entry"),
    KeyUse("Ctrl+Del", "Live log", "Void the selected entry (asks for a reason)"),
    KeyUse("Ctrl+B", "Live log", "Go to the barcode scan field"),
    KeyUse("Ctrl+Shift+O", "Live log", "Reopen this closed case (asks for a reason)"),
    KeyUse("Ctrl+Shift+C", "Live log", "Close the case (the closing checklist first)"),
    KeyUse("Esc", "Live log", "Back to the case list (when no entry form is open)"),
    KeyUse("Alt+Left", "Live log", "Back to the case list"),
    KeyUse("Return", "Entry form", "Save the entry"),
    KeyUse("Enter", "Entry form", "Save the entry (keypad Enter)"),
)

# Keys handled without a QShortcut (by a view or a dialog), listed as they are.
UNREGISTERED: tuple[KeyUse, ...] = (
    KeyUse("Esc", "Entry form", "Cancel the entry (asks first when something is typed)"),
    KeyUse("Enter", "Case list", "Open the selected case's log"),
    KeyUse("Ctrl+]", "Live log, scan field", "Type the GS1 group separator (as a scanner does)"),
    KeyUse("Enter", "Sign-in, lock and first-run dialogs", "Go to the next empty field; sign in when all are filled"),
    KeyUse("Alt+W", "New case", "Go to today's scheduled cases from the hospital worklist"),
    KeyUse("Enter", "New case, worklist list", "Fill the form from the selected scheduled case"),
    KeyUse("Ctrl+R", "New case", "Ask the hospital worklist again"),
)


def describe(key: str, where: str) -> str | None:
    """What ``key`` does on screen ``where``, or None when it is not described here."""
    return next((u.does for u in DESCRIBED if u.key == key and u.where == where), None)
