"""The case list (issue 12 items 9, 5 and 1): a header click sorts all cases in the
database, filters narrow them (dates, room, status, waiting for my signature),
Down in the search box moves into the list and Enter opens, an admin sees New case
disabled with the reason, and the columns fit a 1366-pixel screen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, QPoint, Qt

from cathlog.domain.followup import SignatureMeaning
from cathlog.ui.case_list import CaseListPage, patient_min_width
from tests.conftest import PASSWORD
from tests.helpers import CORONARY, open_case
from tests.services.test_review import PLAN


def _page(qtbot, services, actor, width=1366, height=700):
    page = CaseListPage(services, actor)
    qtbot.addWidget(page)
    page.resize(width, height)
    page.show()
    qtbot.waitExposed(page)
    page.reload()
    return page


def _shown(page):
    return [page.case_model.row_object(r).procedure_id for r in range(page.case_model.rowCount())]


@pytest.fixture
def three(services, nurse, clock):
    ids = []
    for i, (family, given, room) in enumerate([("Núñez", "Ana", "Cath Lab 1"), ("Ivanova", "Fatima", "Cath Lab 2"),
                                               ("García", "José", "Cath Lab 1")]):
        ids.append(open_case(services, nurse, mrn=f"MR{i}0042{i}", family_name=family, given_name=given,
                             details=dict(CORONARY, room=room)).procedure_id)
        clock.advance(days=1)
    return ids


def _click_header(qtbot, page, column):
    header = page.case_view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_a_header_click_sorts_every_case_in_the_database(qtbot, services, nurse, three):
    page = _page(qtbot, services, nurse)
    assert _shown(page) == three[::-1]  # newest first
    _click_header(qtbot, page, 1)  # Patient
    first = _shown(page)
    assert page.case_model.sort_key == "patient"
    assert first == [c.procedure_id for c in services.cases.list_cases(
        nurse, sort="patient", descending=page.case_model.descending)]
    _click_header(qtbot, page, 1)
    assert _shown(page) == first[::-1]
    assert {page.case_model.row_object(0).patient_name, page.case_model.row_object(2).patient_name} == {
        "García, José", "Núñez, Ana"}
    page.case_model.sort_requested.disconnect()
    # The database sorts, not the view: the page of rows is what list_cases returned.
    assert page.case_view.horizontalHeader().isSortIndicatorShown()


@pytest.mark.parametrize("typed", ["GARCIA", "garcía jose", "Jose Garcia", "García, José", "0042"])
def test_search_finds_what_a_person_types(qtbot, services, nurse, three, typed):
    page = _page(qtbot, services, nurse)
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        page.search.setText(typed)  # (QTest cannot type accented letters: it aborts)
    expected = [three[2]] if typed != "0042" else three[::-1]
    assert _shown(page) == expected


def test_filters_room_status_and_dates(qtbot, services, nurse, three, clock):
    services.cases.close_case(nurse, three[0])
    page = _page(qtbot, services, nurse)
    f = page.filters
    assert [f.room.itemText(i) for i in range(f.room.count())] == ["All rooms", "Cath Lab 1", "Cath Lab 2"]
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.room.setCurrentIndex(1)
    assert _shown(page) == [three[2], three[0]]
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.status.setCurrentIndex(f.status.findData("closed"))
    assert _shown(page) == [three[0]]
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.clear_button.click()
    assert len(_shown(page)) == 3
    day2 = date(2026, 11, 22)  # the cases started on 21, 22 and 23 November (09:00 UTC)
    f.from_date.setDate(QDate(day2.year, day2.month, day2.day))
    f.to_date.setDate(QDate(day2.year, day2.month, day2.day))
    assert not f.from_date.isEnabled()
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.use_from.setChecked(True)
    assert f.from_date.isEnabled()
    assert _shown(page) == [three[2], three[1]]
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.use_to.setChecked(True)
    assert _shown(page) == [three[1]]
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        f.from_date.setDate(QDate(2026, 11, 23))
    assert _shown(page) == [] and "after the to date" in page.empty.text()


def test_waiting_for_my_signature_is_the_physicians(qtbot, services, nurse, physician, three):
    for pid in three[:2]:
        services.cases.close_case(nurse, pid)
    services.review.save_review(physician, three[1], PLAN)
    services.review.sign(physician, three[1], PASSWORD, SignatureMeaning.AUTHORED)
    nurse_page = _page(qtbot, services, nurse)
    assert not nurse_page.filters.mine.isVisibleTo(nurse_page)
    page = _page(qtbot, services, physician)
    assert page.filters.mine.isVisibleTo(page)
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        page.filters.mine.setChecked(True)
    assert _shown(page) == [three[0]]


def test_down_from_the_search_box_into_the_list_and_enter_opens(qtbot, services, nurse, three):
    page = _page(qtbot, services, nurse)
    page.search.setFocus()
    qtbot.waitUntil(page.search.hasFocus)
    qtbot.keyClicks(page.search, "cath")
    qtbot.keyClick(page.search, Qt.Key.Key_Down)  # the pending search runs first
    qtbot.waitUntil(page.case_view.hasFocus)
    assert page.selected_case() == three[2]
    with qtbot.waitSignal(page.open_requested, timeout=3000) as opened:
        qtbot.keyClick(page.case_view, Qt.Key.Key_Return)
    assert opened.args == [three[2]]
    page.search.setFocus()
    qtbot.waitUntil(page.search.hasFocus)
    with qtbot.waitSignal(page.cases_loaded, timeout=3000):
        qtbot.keyClick(page.search, Qt.Key.Key_Return)  # Enter in the box: search now, into the list
    qtbot.waitUntil(page.case_view.hasFocus)


def test_new_case_is_disabled_for_an_admin_with_the_reason(qtbot, services, admin, nurse):
    page = _page(qtbot, services, admin)
    assert page.new_button.isVisibleTo(page) and not page.new_button.isEnabled()
    assert "administrator makes no clinical entries" in page.new_button.toolTip()
    page.set_actor(nurse)
    assert page.new_button.isEnabled()


@pytest.mark.parametrize("width", [1366, 1920])
def test_columns_fit_without_sideways_scrolling_and_names_stay_readable(qtbot, services, nurse, width):
    open_case(services, nurse, family_name="Papadopoulos", given_name="Chiamaka-Alexandra",
              details=dict(CORONARY, room="Hybrid Operating Room 3"))
    page = _page(qtbot, services, nurse, width=width)
    view = page.case_view
    header = view.horizontalHeader()
    qtbot.waitUntil(lambda: header.length() <= view.viewport().width())
    assert view.horizontalScrollBar().maximum() == 0
    assert header.sectionSize(1) >= patient_min_width(view)
    assert header.sectionSize(0) >= view.fontMetrics().horizontalAdvance("2026-11-21 09:00")  # the time, whole
    case = page.case_model.row_object(0)
    assert page.case_model.data(page.case_model.index(0, 1), Qt.ItemDataRole.ToolTipRole).startswith(
        "Papadopoulos, Chiamaka-Alexandra · MRN")
    assert page.case_model.data(page.case_model.index(0, 5), Qt.ItemDataRole.ToolTipRole) == case.room


def test_a_wheel_over_an_unfocused_filter_changes_nothing(qtbot, services, nurse, three):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    page = _page(qtbot, services, nurse)
    combo = page.filters.status
    page.search.setFocus()
    qtbot.waitUntil(page.search.hasFocus)
    event = QWheelEvent(QPointF(5, 5), QPointF(combo.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == 0
    assert date.today() - page.filters.from_date.date().toPython() == timedelta(days=30)
