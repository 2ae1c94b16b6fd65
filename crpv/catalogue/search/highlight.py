"""Highlighted titles and excerpts: every word the query looks for in `<mark>`, everything else escaped."""

import re
from functools import lru_cache
from html import escape as html_escape

from django.utils.safestring import mark_safe

from .text import stem, words

_SEGMENT = re.compile(r"[^\W_]+|[\W_]+")


@lru_cache(maxsize=50_000)
def _forms(word):
    """(folded word, stem) pairs of one word of text."""
    return tuple((w, stem(w)) for w in words(word))


@lru_cache(maxsize=100_000)
def _matches(word, stems, prefixes):
    """Does this word of text match? `stems` and `prefixes` are frozensets (hashable: one cache for every query)."""
    return any(s in stems or any(w.startswith(p) or s.startswith(p) for p in prefixes) for w, s in _forms(word))


def _render(segments, flags):
    # html.escape: what django.utils.html.escape does to a str, without its lazy-string wrapper (per segment).
    return "".join(
        f"<mark>{html_escape(segment)}</mark>" if flag else html_escape(segment)
        for segment, flag in zip(segments, flags, strict=True)
    )


def highlight(text, stems, prefixes=()):
    """`text` escaped, with the words matching the query's stems or prefixes marked."""
    if not text:
        return ""
    stems, prefixes = frozenset(stems), frozenset(prefixes)
    segments = _SEGMENT.findall(text)
    flags = [bool(stems or prefixes) and seg[0].isalnum() and _matches(seg, stems, prefixes) for seg in segments]
    return mark_safe(_render(segments, flags))  # noqa: S308 (every segment is escaped above)


def excerpt(text, stems, prefixes=(), size=40):
    """About `size` words of `text` around its first matching word, escaped and highlighted; '' if none match."""
    if not text or not (stems or prefixes):
        return ""
    stems, prefixes = frozenset(stems), frozenset(prefixes)
    segments = _SEGMENT.findall(text)
    first = next(
        (i for i, seg in enumerate(segments) if seg[0].isalnum() and _matches(seg, stems, prefixes)),
        None,
    )
    if first is None:
        return ""
    start = max(0, first - size // 2)
    end = min(len(segments), start + size * 2)  # segments alternate words and separators
    window = segments[start:end]  # only the shown segments are tested and rendered
    flags = [seg[0].isalnum() and _matches(seg, stems, prefixes) for seg in window]
    body = _render(window, flags).strip()
    return mark_safe(("… " if start else "") + body + (" …" if end < len(segments) else ""))  # noqa: S308
