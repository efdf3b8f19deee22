"""The per-installation audit key: HMAC-SHA256 of the audit chain, of every
version row's seal and of signature content hashes.

The key is 32 random bytes, hex, in ``audit.key`` in the user's config folder
(:func:`cathlog.paths.config_dir`), mode 0600 in a 0700 folder, created on
first use. The database records only the key's id (a fingerprint), so a
missing or different key is told apart from tampering. Anyone holding both
the database and this file can forge; see docs/reliability.md.

Beside it, ``deidentify.key``: a separate random secret (never the audit key's
bytes) from which the key of de-identified pseudonyms is derived
(:func:`deidentification_key`). It lives outside the database too, so a copy of
the database alone cannot link a de-identified export back to its records.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cathlog.domain.errors import AuditKeyError
from cathlog.paths import config_dir

KEY_FILE = "audit.key"
DEID_KEY_FILE = "deidentify.key"
_KEY_BYTES = 32
_DEID_LABEL = b"cathlog de-identification pseudonyms v1"


def key_path() -> Path:
    return config_dir() / KEY_FILE


def key_id(key: bytes) -> str:
    """A fingerprint of the key, safe to store in the database and print."""
    return hashlib.sha256(b"cathlog audit key id\0" + key).hexdigest()[:16]


def mac(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def read_key(path: Path | None = None, *, what: str = "audit key") -> bytes | None:
    """The key in the key file; None if there is no file. Raises AuditKeyError if it is damaged."""
    path = path or key_path()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"the {what} file {path} cannot be read ({exc})") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _KEY_BYTES:
        raise AuditKeyError(f"the {what} file {path} is damaged (not {_KEY_BYTES} bytes of hex); "
                            "restore it from your key backup")
    return key


def _create(path: Path, *, what: str = "audit key") -> bytes:
    """Write a new key atomically (temp file, sync, hard link: never a half key, never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    key = secrets.token_bytes(_KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another process made one first: use theirs
        except FileExistsError:
            existing = read_key(path, what=what)
            if existing is None:  # pragma: no cover - removed between link and read
                raise AuditKeyError(f"the {what} file {path} vanished while being created") from None
            return existing
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return key


def installation_key(*, create: bool = False) -> bytes:
    """This installation's key. ``create``: make one if there is none (only for a
    database that is not yet keyed); else a missing key raises AuditKeyError."""
    path = key_path()
    key = read_key(path)
    if key is not None:
        return key
    if not create:
        raise AuditKeyError(f"key missing: the audit key file {path} does not exist. Restore it from your key "
                            "backup (see docs/reliability.md); without it the audit trail cannot be verified "
                            "or extended")
    try:
        return _create(path)
    except OSError as exc:
        raise AuditKeyError(f"cannot create the audit key file {path} ({exc.strerror or exc}); "
                            "the config folder must be writable") from None


def key_for(expected_id: str | None) -> bytes:
    """The key for a database keyed with ``expected_id`` (None: not keyed yet, create if needed).

    Raises AuditKeyError naming "key missing" or "wrong key" (a different
    installation's key) - never confused with tampering."""
    key = installation_key(create=expected_id is None)
    if expected_id is not None and key_id(key) != expected_id:
        raise AuditKeyError(f"wrong key: this database was keyed with audit key {expected_id}, but the key file "
                            f"{key_path()} holds key {key_id(key)}. Copy the key file from the installation that "
                            "keyed this database (or restore it from your key backup)")
    return key


# --- the de-identification key ----------------------------------------------------


def deid_key_path() -> Path:
    return config_dir() / DEID_KEY_FILE


def deidentification_key() -> bytes:
    """The key of de-identified pseudonyms: derived (HMAC-SHA256 with a fixed label, an HKDF-Expand
    step) from the 32-byte secret in ``deidentify.key`` beside the audit key, which is created on
    first use. The same file gives the same pseudonyms in every export of this installation; a lost
    or different file gives different ones (so back it up: docs/reliability.md). Never stored in the
    database, never derived from the audit key."""
    path = deid_key_path()
    what = "de-identification key"
    secret = read_key(path, what=what)
    if secret is None:
        try:
            secret = _create(path, what=what)
        except OSError as exc:
            raise AuditKeyError(f"cannot create the {what} file {path} ({exc.strerror or exc}); "
                                "the config folder must be writable") from None
    return hmac.new(secret, _DEID_LABEL, hashlib.sha256).digest()


def deid_key_id(key: bytes) -> str:
    """A fingerprint of a de-identification key, for the audit row of an export (which key made
    its pseudonyms), safe to store and print."""
    return hashlib.sha256(b"cathlog de-identification key id\0" + key).hexdigest()[:16]
