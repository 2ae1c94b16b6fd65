"""Decoded MARC records shared by the MARC 21 and UNIMARC mappings and MARCXML.

Reading an ISO 2709 file goes two ways. The fast way (`_fast_record`) reads
one record's leader and directory by slicing, decodes each data field once
(UTF-8, or ASCII whatever the declared set) and splits it on 0x1F. It gives
up (returns None) on anything unusual — a structure error, bytes that are not
UTF-8, a character set that needs a single-byte decoder, an undeclared set —
and the record then goes the reference way: `iso2709.parse_record` (bytes,
French structure errors), the flavour's `charset_of`, then `decode_raw`. So
every error, warning and non-UTF-8 decoding stays the reference's.
"""

import re
import unicodedata

from . import charsets, iso2709
from .base import ParseResult


class Field:
    __slots__ = ("tag", "data", "ind1", "ind2", "subfields")

    def __init__(self, tag, data="", ind1=" ", ind2=" ", subfields=None):
        self.tag = tag
        self.data = data
        self.ind1 = ind1
        self.ind2 = ind2
        self.subfields = [] if subfields is None else subfields  # [(code, str)]

    def __repr__(self):
        return f"Field({self.tag!r}, data={self.data!r}, ind={self.ind1!r}{self.ind2!r}, {self.subfields!r})"

    def __eq__(self, other):
        return isinstance(other, Field) and self.as_tuple() == other.as_tuple()

    __hash__ = None

    @property
    def is_control(self):
        return self.tag < "010" and self.tag.isdigit()

    def get(self, code, default=""):
        for c, value in self.subfields:
            if c == code:
                return value
        return default

    def getall(self, *codes):
        return [value for c, value in self.subfields if c in codes]

    def as_tuple(self):
        if self.is_control:
            return (self.tag, self.data)
        return (self.tag, self.ind1, self.ind2, self.subfields)


class MarcRecord:
    __slots__ = ("position", "leader", "fields", "_by_tag")

    def __init__(self, position, leader, fields, by_tag=None):
        self.position = position
        self.leader = leader
        self.fields = fields
        if by_tag is None:
            by_tag = {}
            for f in fields:
                by_tag.setdefault(f.tag, []).append(f)
        self._by_tag = by_tag

    def get(self, *tags):
        if len(tags) == 1:
            return self._by_tag.get(tags[0], [])
        return [f for f in self.fields if f.tag in tags]

    def first(self, tag, code=None, default=""):
        for f in self._by_tag.get(tag, ()):
            if code is None:
                return f.data
            value = f.get(code)
            if value:
                return value
        return default

    def values(self, tag, *codes):
        return [v for f in self._by_tag.get(tag, ()) for v in f.getall(*codes) if v]


def decode_raw(raw, charset):
    """RawRecord (bytes) → MarcRecord (text); ValueError (French) on undecodable data."""
    out = []
    for raw_field in raw.fields:
        try:
            if raw_field.is_control:
                out.append(Field(tag=raw_field.tag, data=charsets.decode(raw_field.data, charset)))
            else:
                out.append(
                    Field(
                        tag=raw_field.tag,
                        ind1=raw_field.ind1,
                        ind2=raw_field.ind2,
                        subfields=[(code, charsets.decode(value, charset)) for code, value in raw_field.subfields],
                    )
                )
        except ValueError as exc:
            raise ValueError(f"champ {raw_field.tag} : {exc}") from None
    return MarcRecord(position=raw.position, leader=raw.leader, fields=out)


# --- Fast way ---------------------------------------------------------------------

# One directory entry: tag, field length (4 digits), start (5 digits).
_ENTRY = re.compile(r"(...)(\d{4})(\d{5})", re.DOTALL | re.ASCII)
_CODES = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NFC = unicodedata.normalize


def _fast_record(position, chunk, fast_charset):
    """(MarcRecord, charset) for a well-formed record in UTF-8 (or plain ASCII), else None.

    `fast_charset(leader, bodies_of_100, is_ascii)` is the flavour's character-set
    rule for the cases it can decide without warning; None sends the record the
    reference way.
    """
    length = len(chunk)
    if length < iso2709.LEADER_LEN + 2 or chunk[-1] != 0x1D:
        return None
    head = chunk[:24]
    if not head.isascii():
        return None
    leader = head.decode("ascii")
    declared, base = leader[:5], leader[12:17]
    if not (declared.isdigit() and base.isdigit()) or int(declared) != length:
        return None
    base = int(base)
    if base <= 24 or base > length - 1 or chunk[base - 1] != 0x1E:
        return None
    directory = chunk[24 : base - 1]
    if not directory or len(directory) % 12 or not directory.isascii():
        return None
    entries = _ENTRY.findall(directory.decode("ascii"))
    # Each match is 12 characters: as many matches as entries means they tile the directory.
    if len(entries) * 12 != len(directory):
        return None
    is_ascii = chunk.isascii()
    data_end = length - 1
    fields = []
    by_tag = {}
    hundreds = []
    codes = _CODES
    try:
        for tag, size, start in entries:
            size = int(size)
            start = base + int(start)
            end = start + size
            if size < 1 or end > data_end or chunk[end - 1] != 0x1E:
                return None
            body = chunk[start : end - 1]
            if tag < "010" and tag.isdigit():
                data = body.decode("utf-8")
                if not is_ascii and not data.isascii():
                    data = _NFC("NFC", data)
                f = Field(tag, data)
            else:
                if tag == "100":
                    hundreds.append(body)
                parts = body.decode("utf-8").split("\x1f")
                indicators = parts[0]
                if len(indicators) != 2 or not indicators.isascii():
                    return None
                subfields = []
                for part in parts[1:]:
                    if not part:
                        continue
                    code = part[0]
                    if code not in codes:
                        return None
                    value = part[1:]
                    if not is_ascii and not value.isascii():
                        value = _NFC("NFC", value)
                    subfields.append((code, value))
                f = Field(tag, "", indicators[0], indicators[1], subfields)
            fields.append(f)
            if tag in by_tag:
                by_tag[tag].append(f)
            else:
                by_tag[tag] = [f]
    except UnicodeDecodeError:
        return None
    charset = fast_charset(leader, hundreds, is_ascii)
    if charset is None or (charset != charsets.UTF8 and not is_ascii):
        return None
    return MarcRecord(position, leader, fields, by_tag), charset


def _reference_record(position, chunk, charset_of):
    """(MarcRecord, charset, warning) the reference way; StructureError or ValueError (French)."""
    raw = iso2709.parse_record(position, chunk)
    charset, warning = charset_of(raw)
    return decode_raw(raw, charset), charset, warning


def parse_iso2709(data, *, fmt, charset_of, to_parsed, finish, fast_charset=None):
    """Read an ISO 2709 file with a flavour's charset rule and mapping."""
    result = ParseResult(format=fmt)
    if not data or not data.strip():
        result.error(0, "fichier vide")
        return result
    used = set()
    for position, chunk in iso2709.split_records(data):
        result.count = position
        warning = ""
        try:
            fast = _fast_record(position, chunk, fast_charset) if fast_charset is not None else None
            if fast is not None:
                record, charset = fast
            else:
                record, charset, warning = _reference_record(position, chunk, charset_of)
            used.add(charset)
            parsed = to_parsed(record)
        except ValueError as exc:  # StructureError included
            result.error(position, str(exc))
            continue
        except Exception as exc:  # a mapping bug must not stop the file
            result.error(position, f"notice illisible ({exc.__class__.__name__})")
            continue
        if warning:
            parsed.warnings.append(warning)
        finish(parsed, result)
    result.encoding = ", ".join(sorted(used))
    if result.count == 0:
        result.error(0, "aucune notice ISO 2709 trouvée")
    return result
