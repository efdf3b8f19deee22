"""The zip of a CSV export is written by a second thread: in order, in full, and an error
there (a full disk) reaches the exporting thread and leaves no file behind."""

import io
import threading
import zipfile

import pytest

from cathlog.exchange import spreadsheets
from cathlog.exchange.background_write import BackgroundWriter


def test_every_chunk_arrives_in_order():
    target = io.BytesIO()
    with io.BufferedWriter(BackgroundWriter(target, depth=2), 7) as fh:
        for i in range(1000):
            fh.write(f"{i},".encode())
    assert target.getvalue() == "".join(f"{i}," for i in range(1000)).encode()


class _Full(io.RawIOBase):
    def writable(self):
        return True

    def write(self, data):
        raise OSError(28, "No space left on device")


def test_an_error_in_the_writing_thread_is_raised_in_the_caller():
    writer = BackgroundWriter(_Full(), depth=1)
    with pytest.raises(OSError, match="No space"):
        for _ in range(100):  # never blocks: after the error the thread only drains, then ends
            writer.write(b"x" * 10)
    assert writer.closed
    assert not any(t.name == "cathlog-background-write" and t.is_alive() for t in threading.enumerate())
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"x")


def test_a_failed_zip_leaves_nothing(tmp_path, services, admin, nurse, monkeypatch):
    services.demo.load(admin, 3, seed=2)
    original = zipfile.ZipFile.open

    def failing_open(self, name, mode="r", **kwargs):
        entry = original(self, name, mode, **kwargs)
        if name == "events_note.csv":
            entry.write = _Full().write
        return entry
    monkeypatch.setattr(zipfile.ZipFile, "open", failing_open)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(OSError, match="disk is full"):
        spreadsheets.write_csv_zip_cells(folder / "x.zip", services.exchange.csv_cells(admin))
    assert list(folder.iterdir()) == []
