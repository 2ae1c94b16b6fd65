"""Character sets found in MARC files: UTF-8, MARC-8, ISO 5426, Latin-1.

`decode(data, charset)` returns text or raises ValueError with a French
reason. The non-sorting markers 0x88/0x89 (and 0x98/0x9C) survive every
decoding as U+0088/U+0089 (U+0098/U+009C): `base.split_nonsort` reads them.
"""

import re
import unicodedata

from pymarc.marc8 import marc8_to_unicode

UTF8 = "utf-8"
MARC8 = "marc-8"
ISO5426 = "iso-5426"
LATIN1 = "latin-1"
CP1252 = "cp1252"
CHARSETS = (UTF8, MARC8, ISO5426, LATIN1, CP1252)

_MARKER_BYTES = re.compile(rb"([\x88\x89\x98\x9c])")

# ISO 5426 non-spacing diacritics (0xC0–0xDF) precede their base letter.
_ISO5426_DIACRITICS = {
    0xC0: "\u0309",  # hook above
    0xC1: "\u0300",  # grave
    0xC2: "\u0301",  # acute
    0xC3: "\u0302",  # circumflex
    0xC4: "\u0303",  # tilde
    0xC5: "\u0304",  # macron
    0xC6: "\u0306",  # breve
    0xC7: "\u0307",  # dot above
    0xC8: "\u0308",  # diaeresis
    0xC9: "\u0308",  # umlaut
    0xCA: "\u030a",  # ring above
    0xCB: "\u0315",  # comma above right
    0xCC: "\u0312",  # turned comma above
    0xCD: "\u030b",  # double acute
    0xCE: "\u031b",  # horn
    0xCF: "\u030c",  # caron
    0xD0: "\u0327",  # cedilla
    0xD1: "\u031c",  # left half ring below
    0xD2: "\u0326",  # comma below
    0xD3: "\u0328",  # ogonek
    0xD4: "\u0325",  # ring below
    0xD5: "\u032e",  # breve below
    0xD6: "\u0323",  # dot below
    0xD7: "\u0324",  # diaeresis below
    0xD8: "\u0332",  # low line
    0xD9: "\u0333",  # double low line
    0xDA: "\u0329",  # vertical line below
    0xDB: "\u032d",  # circumflex below
}
# ISO 5426 spacing characters outside ASCII that French catalogues use.
_ISO5426_SPECIALS = {
    0xA1: "¡",
    0xA3: "£",
    0xA5: "¥",
    0xA7: "§",
    0xAB: "«",
    0xAE: "\u02bc",
    0xB0: "\u02bb",
    0xB7: "·",
    0xBB: "»",
    0xBF: "¿",
    0xE1: "Æ",
    0xE2: "Đ",
    0xE6: "Ĳ",
    0xE8: "Ł",
    0xE9: "Ø",
    0xEA: "Œ",
    0xEC: "Þ",
    0xF1: "æ",
    0xF2: "đ",
    0xF3: "ð",
    0xF5: "ı",
    0xF6: "ĳ",
    0xF8: "ł",
    0xF9: "ø",
    0xFA: "œ",
    0xFB: "ß",
    0xFC: "þ",
}


def decode_iso5426(data):
    out = []
    pending = []
    for byte in data:
        if byte in _ISO5426_DIACRITICS:
            pending.append(_ISO5426_DIACRITICS[byte])
            continue
        if byte < 0x80 or byte in (0x88, 0x89, 0x98, 0x9C):
            char = chr(byte)
        elif byte in _ISO5426_SPECIALS:
            char = _ISO5426_SPECIALS[byte]
        else:
            raise ValueError(f"octet 0x{byte:02X} inconnu en ISO 5426")
        out.append(char)
        out.extend(pending)
        pending = []
    out.extend(pending)
    return unicodedata.normalize("NFC", "".join(out))


def _decode_marc8(data):
    if any(b >= 0x80 and b < 0xA1 and b not in (0x88, 0x89, 0x98, 0x9C, 0x8D, 0x8E) for b in data):
        raise ValueError("octet hors du jeu MARC-8")
    return unicodedata.normalize("NFC", marc8_to_unicode(data, hide_utf8_warnings=True))


def _decode_piece(data, charset):
    if charset == UTF8:
        return data.decode("utf-8")
    if charset == MARC8:
        return _decode_marc8(data)
    if charset == ISO5426:
        return decode_iso5426(data)
    if charset == CP1252:
        return data.decode("cp1252")
    return data.decode("latin-1")


def decode(data, charset):
    """Decode one subfield's bytes; raise ValueError (French) when they do not fit `charset`."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    try:
        if charset == UTF8:
            return unicodedata.normalize("NFC", data.decode("utf-8"))
        # Single-byte sets: keep the non-sorting markers out of the decoder.
        pieces = _MARKER_BYTES.split(data)
        return "".join(
            chr(p[0]) if len(p) == 1 and p[0] in b"\x88\x89\x98\x9c" else _decode_piece(p, charset) for p in pieces
        )
    except UnicodeDecodeError:
        raise ValueError(f"données non conformes au jeu de caractères annoncé ({charset})") from None
    except ValueError:
        raise
    except Exception as exc:  # pymarc's MARC-8 decoder on odd bytes
        raise ValueError(f"données illisibles en {charset} ({exc.__class__.__name__})") from None


def looks_utf8(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
