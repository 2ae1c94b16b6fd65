"""Words for the full-text index: folded, elisions dropped, stemmed with the French Snowball stemmer.

One function, `tokens()`, serves the index and the query on every engine, so
"politiques" and "politique", "Laïcité" and "laicite" give the same token.
Words are folded *before* stemming: the stemmer treats accented suffixes
differently ("laïcité" → "laïc" but "laicite" → "laicit"), and a visitor may
type either form.
"""

import re

import Stemmer

from crpv.core.text import fold

_WORD = re.compile(r"[0-9a-z]+")
# Elided articles and pronouns ("l'État", "d'une", "qu'il"): not worth a token.
ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"})
# Dropped from a query's bare words when it has others (kept inside phrases).
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "est",
        "sont",
    ]
)

_stemmer = Stemmer.Stemmer("french")
_stemmer.maxCacheSize = 200_000


def _build_table():
    table = {}
    for code in range(0x80, 0x2B0):
        char = chr(code)
        table[code] = fold(f"a{char}b")[1:-1] or ""  # keeps the spaces fold() puts inside
    return table


_FOLD_TABLE = _build_table()


def fast_fold(text):
    """`crpv.core.text.fold` for whole documents: a translation table for Latin letters, `fold` for the rest."""
    if not text:
        return ""
    lowered = text.lower().translate(_FOLD_TABLE)
    return lowered if lowered.isascii() else fold(text)


def words(text):
    """Folded words of `text`, elisions dropped (not stemmed)."""
    return [w for w in _WORD.findall(fast_fold(text)) if w not in ELISIONS]


def stem(word):
    """Stem of one folded word."""
    return _stemmer.stemWord(word)


def tokens(text):
    """Folded, stemmed words of `text`, in order: what the index holds and what a query looks for."""
    return _stemmer.stemWords(words(text))


# `fold()` keeps whitespace a word separator, so the tokens of a text are the tokens of its whitespace-separated
# chunks, in order: each distinct chunk is folded and stemmed once (a catalogue repeats its words).
_CHUNK_CACHE_SIZE = 500_000
_chunk_cache = {}


def _chunk_stems(chunk):
    stems = " ".join(tokens(chunk))
    if len(_chunk_cache) >= _CHUNK_CACHE_SIZE:
        _chunk_cache.clear()
    _chunk_cache[chunk] = stems
    return stems


def index_text(text):
    """`tokens()` joined by spaces: the text stored in the engine's index.

    The same result as `" ".join(tokens(text))`, with the stems of each distinct whitespace-separated chunk
    cached: folding and stemming each occurrence was the reindex's largest cost, and looking the chunks up
    with `map` (no Python loop per word) took the rest from 30 to ~8 µs per record.
    """
    if not text:
        return ""
    chunks = text.split()
    stems = list(map(_chunk_cache.get, chunks))
    if None in stems:
        stems = [_chunk_stems(chunk) if found is None else found for chunk, found in zip(chunks, stems, strict=True)]
    return " ".join(filter(None, stems))
