"""The CSV export's second thread: every item handled in order, an error there (a full disk)
raised in the exporting thread with nothing left behind, and the thread always ends."""

import threading
import zipfile

import pytest

from cathlog.exchange import spreadsheets
from cathlog.exchange.background_write import InBackground


def _alive() -> bool:
    return any(t.name == "cathlog-background" and t.is_alive() for t in threading.enumerate())


def test_every_item_is_handled_in_order():
    seen = []
    with InBackground(seen.append, depth=2) as work:
        for i in range(1000):
            work.put(i)
    assert seen == list(range(1000))
    assert not _alive()


def _full(_item):
    raise OSError(28, "No space left on device")


def test_an_error_in_the_thread_is_raised_in_the_caller_and_the_thread_ends():
    with pytest.raises(OSError, match="No space"):
        with InBackground(_full, depth=1) as work:
            for i in range(100):  # never blocks: after the error the thread only drains
                work.put(i)
    assert not _alive()


def test_an_error_in_the_caller_ends_the_thread():
    with pytest.raises(KeyError):
        with InBackground(lambda item: None) as work:
            work.put(1)
            raise KeyError("reading failed")
    assert not _alive()


def test_a_failed_zip_leaves_nothing(tmp_path, services, admin, monkeypatch):
    services.demo.load(admin, 3, seed=2)
    original = zipfile.ZipFile.open

    def failing_open(self, name, mode="r", **kwargs):
        entry = original(self, name, mode, **kwargs)
        if name == "events_note.csv":
            entry.write = _full
        return entry
    monkeypatch.setattr(zipfile.ZipFile, "open", failing_open)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError, match="disk is full"):
        spreadsheets.write_csv_zip_cells(folder / "x.zip", services.exchange.csv_cells(admin))
    assert list(folder.iterdir()) == []
    assert not _alive()
