"""Text normalisation shared by every search: case and accent folding."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(value: str) -> str:
    """Lower-case, strip accents and ligatures, collapse punctuation to spaces.

    >>> fold("Béthune — Œuvre d'Art")
    'bethune oeuvre d art'
    """
    if not value:
        return ""
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", value.lower()).strip()
