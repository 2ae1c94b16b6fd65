"""Decoded MARC records shared by the MARC 21 and UNIMARC mappings and MARCXML."""

from dataclasses import dataclass, field

from . import charsets, iso2709
from .base import ParseResult


@dataclass
class Field:
    tag: str
    data: str = ""
    ind1: str = " "
    ind2: str = " "
    subfields: list = field(default_factory=list)  # [(code, str)]

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


@dataclass
class MarcRecord:
    position: int
    leader: str
    fields: list

    def __post_init__(self):
        self._by_tag = {}
        for f in self.fields:
            self._by_tag.setdefault(f.tag, []).append(f)

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


def parse_iso2709(data, *, fmt, charset_of, to_parsed, finish):
    """Read an ISO 2709 file with a flavour's charset rule and mapping."""
    result = ParseResult(format=fmt)
    if not data or not data.strip():
        result.error(0, "fichier vide")
        return result
    used = set()
    for position, raw, error in iso2709.read(data):
        result.count = position
        if error:
            result.error(position, error)
            continue
        try:
            charset, warning = charset_of(raw)
            record = decode_raw(raw, charset)
            used.add(charset)
            parsed = to_parsed(record)
        except ValueError as exc:
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
