"""The Qt bindings keep Python's reference counts: a long shift must not crash the program.

PySide6 6.12.0 (with Python 3.11) dropped one reference to None on every Qt call that returns nothing:
1,000 ``setText`` calls took 1,000 references from None, and a long session ended in "Fatal Python error:
none_dealloc" (seen in the suite as bool_dealloc and none_dealloc aborts). requirements.txt pins a release
without the fault; this test stops an upgrade that brings it back.
"""

import sys

from PySide6.QtWidgets import QCheckBox, QLabel


def test_qt_calls_keep_the_reference_counts_of_none_true_and_false(qtbot):
    label, box = QLabel(), QCheckBox()
    qtbot.addWidget(label)
    qtbot.addWidget(box)
    before = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    for i in range(2000):
        label.setText(str(i))  # returns nothing
        box.setChecked(i % 2 == 0)  # takes a bool, returns nothing
        label.isVisible()  # returns a bool
        box.isChecked()
    after = {name: sys.getrefcount(obj) for name, obj in (("None", None), ("True", True), ("False", False))}
    drift = {name: after[name] - before[name] for name in before}
    assert all(abs(d) < 100 for d in drift.values()), drift
