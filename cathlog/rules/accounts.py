"""Rules for accounts: user names, display names, passwords and the sign-in delay.

Passwords (NIST SP 800-63B 5.1.1.2): at least 8 characters, not the user
name, not on a list of commonly used passwords (``resources/common-passwords.txt``,
see its licence file), and NFC-normalised before they are hashed or checked,
so the same password typed on two keyboards that compose "é" differently
matches.

Failed sign-ins: after ``MAX_FAILED_SIGN_INS`` wrong passwords in a row, each
further attempt is refused until ``2 ** (n - 5)`` seconds have passed since
the last wrong one (n = wrong passwords so far), at most 15 minutes. There is
no permanent lock: a passer-by cannot lock a nurse out mid-case for longer
than that, and a lab with a single admin can never be locked out for good.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from cathlog.domain.errors import Issue, ValidationError
from cathlog.resources import resource_path

MAX_FAILED_SIGN_INS = 5
MAX_SIGN_IN_DELAY_S = 15 * 60
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # Argon2 takes anything; a megabyte paste is a mistake
MAX_DISPLAY_NAME_LENGTH = 100
COMMON_PASSWORDS_RESOURCE = "common-passwords.txt"
_USERNAME = re.compile(r"^[a-z0-9._-]{1,64}$")
# Explicit bidirectional controls (also category Cf, listed for the reader): they can make a name
# display as something else ("Dr. A" followed by U+202E reverses what follows).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def sign_in_delay_s(failures: int) -> int:
    """Seconds an account waits after its last wrong password; 0 below the threshold."""
    if failures < MAX_FAILED_SIGN_INS:
        return 0
    exponent = failures - MAX_FAILED_SIGN_INS
    return MAX_SIGN_IN_DELAY_S if exponent >= 10 else min(2 ** exponent, MAX_SIGN_IN_DELAY_S)


def is_encodable(text: str) -> bool:
    """False for text holding lone surrogates (e.g. undecodable bytes from a command line)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalise_password(password: str) -> str:
    """The form a password is hashed and checked in (NFC)."""
    return unicodedata.normalize("NFC", password) if is_encodable(password) else password


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = resource_path(COMMON_PASSWORDS_RESOURCE).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def check_password_policy(username: str, password: str) -> None:
    """At least 8 characters, not the user name, not a common password, typeable text."""
    problems = []
    if not is_encodable(password):
        raise ValidationError([Issue("password", None, "the password holds characters that cannot be stored "
                                                       "(invalid Unicode); type it again")])
    password = normalise_password(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().casefold() == username.casefold():
        problems.append("a password must not be the user name")
    elif password.strip().casefold() in common_passwords():
        problems.append("that password is on the list of commonly used passwords; choose another")
    if problems:
        raise ValidationError([Issue("password", None, p) for p in problems])


def check_username(username: str) -> None:
    if not is_encodable(username) or not _USERNAME.match(username):
        shown = username if is_encodable(username) else username.encode("utf-8", "replace").decode()
        raise ValidationError([Issue("username", shown,
                                     f"user name {shown!r} must be 1-64 characters of a-z, 0-9, '.', '_' or '-'")])


def clean_display_name(display_name: str, fallback: str) -> str:
    """The display name to store (trimmed, NFC), or ValidationError.

    Refused: control characters, bidirectional overrides and other invisible
    format characters, lone surrogates, and more than 100 characters."""
    if not is_encodable(display_name):
        raise ValidationError([Issue("display_name", None, "the name holds invalid Unicode; type it again")])
    name = unicodedata.normalize("NFC", display_name.strip()) or fallback
    bad = sorted({c for c in name if c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")})
    if bad:
        codes = ", ".join(f"U+{ord(c):04X}" for c in bad)
        raise ValidationError([Issue("display_name", None, f"a name may not hold control, invisible or text-direction "
                                                           f"characters ({codes})")])
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise ValidationError([Issue("display_name", None,
                                     f"a name may have at most {MAX_DISPLAY_NAME_LENGTH} characters")])
    return name
