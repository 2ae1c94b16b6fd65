"""Highlighted titles and excerpts: every word the query looks for in `<mark>`, everything else escaped."""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .text import stem, words

_SEGMENT = re.compile(r"[^\W_]+|[\W_]+")


@lru_cache(maxsize=50_000)
def _forms(word):
    """(folded word, stem) pairs of one word of text."""
    return tuple((w, stem(w)) for w in words(word))


def _matches(word, stems, prefixes):
    return any(s in stems or any(w.startswith(p) or s.startswith(p) for p in prefixes) for w, s in _forms(word))


def _render(segments, flags):
    out = []
    for segment, flag in zip(segments, flags, strict=True):
        out.append(f"<mark>{escape(segment)}</mark>" if flag else escape(segment))
    return "".join(out)


def highlight(text, stems, prefixes=()):
    """`text` escaped, with the words matching the query's stems or prefixes marked."""
    if not text:
        return ""
    segments = _SEGMENT.findall(text)
    flags = [bool(stems or prefixes) and seg[0].isalnum() and _matches(seg, stems, prefixes) for seg in segments]
    return mark_safe(_render(segments, flags))  # noqa: S308 (every segment is escaped above)


def excerpt(text, stems, prefixes=(), size=40):
    """About `size` words of `text` around its first matching word, escaped and highlighted; '' if none match."""
    if not text or not (stems or prefixes):
        return ""
    segments = _SEGMENT.findall(text)
    flags = [seg[0].isalnum() and _matches(seg, stems, prefixes) for seg in segments]
    if not any(flags):
        return ""
    first = flags.index(True)
    start = max(0, first - size // 2)
    end = min(len(segments), start + size * 2)  # segments alternate words and separators
    body = _render(segments[start:end], flags[start:end]).strip()
    return mark_safe(("… " if start else "") + body + (" …" if end < len(segments) else ""))  # noqa: S308
