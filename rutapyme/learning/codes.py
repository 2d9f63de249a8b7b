"""Certificate verification codes: 16 Crockford base-32 characters, 80 random bits.

Printed in groups of four (`7KQ2-M9XD-…`). Anyone may type one in, so reading forgives what
people mistake: lower case, spaces, dashes, O for 0, I or L for 1. With 2^80 codes and a
few thousand certificates a year, guessing a valid one is hopeless even without the rate
limit on the verification page.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_normalise(raw: str) -> str | None:
    """The stored form of what someone typed, or None if it cannot be a code."""
    cleaned = re.sub(r"[\s\-_.]", "", raw or "").upper().translate(_CONFUSED)
    return cleaned if _VALID.match(cleaned) else None


def code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
