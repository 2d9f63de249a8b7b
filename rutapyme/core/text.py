"""Text helpers shared by imports, search and exports."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """Lower-case, accent-free, single-spaced form used to match user-typed labels.

    >>> fold("  ARTESANÍAS ")
    'artesanias'
    """
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def clean(value: object) -> str:
    """A cell as text: None -> '', surrounding and repeated inner spaces removed."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value)).strip()
