"""ISO 2709 structure (shared by MARC 21 and UNIMARC), read and written.

Records are split on the record terminator (0x1D), so one damaged record —
truncated, with a wrong length in its leader, a broken directory — is reported
at its position and the next ones are still read. Subfield values stay bytes
here: the character set is a matter of each flavour (leader/09 in MARC 21,
100$a/26-29 in UNIMARC), decided by the caller.

pymarc is the reference for this structure (the tests write files with it and
read ours back), but its reader raises on the first bad byte of a record and
decodes before the flavour can say which character set applies.
"""

from dataclasses import dataclass, field

RECORD_END = b"\x1d"
FIELD_END = b"\x1e"
SUBFIELD = b"\x1f"
LEADER_LEN = 24


@dataclass
class RawField:
    tag: str
    data: bytes = b""  # control fields (00X)
    ind1: str = " "
    ind2: str = " "
    subfields: list = field(default_factory=list)  # [(code, bytes)]

    @property
    def is_control(self):
        return self.tag < "010" and self.tag.isdigit()


@dataclass
class RawRecord:
    position: int
    leader: str
    fields: list

    def get(self, tag):
        return [f for f in self.fields if f.tag == tag]


class StructureError(ValueError):
    """A record whose ISO 2709 structure cannot be read (French message)."""


def split_records(data):
    """Yield (position, chunk) for each record; a chunk keeps its terminator when it had one."""
    position = 0
    start = 0
    length = len(data)
    while start < length:
        end = data.find(RECORD_END, start)
        chunk = data[start:] if end < 0 else data[start : end + 1]
        start = length if end < 0 else end + 1
        # Line breaks or padding some tools put between records.
        stripped = chunk.lstrip(b"\r\n\x00\x1a \t")
        if not stripped.strip(b"\r\n\x00\x1a \t"):
            continue
        position += 1
        yield position, stripped


def _int(text, what):
    if not text.isdigit():
        raise StructureError(f"{what} illisible dans le guide (« {text.decode('latin-1')} »)")
    return int(text)


def parse_record(position, chunk):
    """One chunk → RawRecord, or StructureError with a French reason."""
    if not chunk.endswith(RECORD_END):
        raise StructureError("notice tronquée : la fin de notice (0x1D) manque")
    if len(chunk) < LEADER_LEN + 2:
        raise StructureError(f"notice trop courte ({len(chunk)} octets)")
    declared = _int(chunk[0:5], "longueur de notice")
    if declared != len(chunk):
        raise StructureError(
            f"longueur annoncée dans le guide ({declared} octets) "
            f"différente de la longueur réelle ({len(chunk)} octets)"
        )
    try:
        leader = chunk[:LEADER_LEN].decode("ascii")
    except UnicodeDecodeError:
        raise StructureError("guide de notice non ASCII") from None
    base = _int(chunk[12:17], "adresse de base")
    if base <= LEADER_LEN or base > len(chunk) - 1 or chunk[base - 1 : base] != FIELD_END:
        raise StructureError(f"adresse de base incohérente ({base})")
    directory = chunk[LEADER_LEN : base - 1]
    if len(directory) % 12:
        raise StructureError("répertoire de la notice mal formé (longueur non multiple de 12)")
    fields = []
    data_end = len(chunk) - 1
    try:
        entries = directory.decode("ascii")
    except UnicodeDecodeError:
        raise StructureError("répertoire de la notice non ASCII") from None
    for i in range(0, len(entries), 12):
        tag = entries[i : i + 3]
        numbers = entries[i + 3 : i + 12]
        if not numbers.isdigit() or not numbers.isascii():
            raise StructureError(f"entrée du répertoire illisible pour le champ {tag}")
        size = int(numbers[:4])
        start = base + int(numbers[4:])
        end = start + size
        if size < 1 or end > data_end or chunk[end - 1 : end] != FIELD_END:
            raise StructureError(f"champ {tag} hors des limites de la notice ou mal terminé")
        body = chunk[start : end - 1]
        if tag < "010" and tag.isdigit():
            fields.append(RawField(tag=tag, data=body))
            continue
        parts = body.split(SUBFIELD)
        indicators = parts[0]
        if len(indicators) != 2 or not indicators.isascii():
            raise StructureError(f"indicateurs du champ {tag} invalides")
        subfields = []
        for part in parts[1:]:
            if not part:
                continue
            code = chr(part[0])
            if not ("a" <= code <= "z" or "0" <= code <= "9" or "A" <= code <= "Z"):
                raise StructureError(f"code de sous-champ invalide dans le champ {tag}")
            subfields.append((code, part[1:]))
        fields.append(RawField(tag=tag, ind1=chr(indicators[0]), ind2=chr(indicators[1]), subfields=subfields))
    if not fields:
        raise StructureError("notice sans aucun champ")
    return RawRecord(position=position, leader=leader, fields=fields)


def read(data):
    """Yield (position, RawRecord or None, French error or None)."""
    for position, chunk in split_records(data):
        try:
            yield position, parse_record(position, chunk), None
        except StructureError as exc:
            yield position, None, str(exc)


# --- Writing ------------------------------------------------------------------


def write_record(leader, fields):
    """Serialise one record. `fields`: (tag, str) for control fields, (tag, ind1, ind2, [(code, str)]).

    Text is written in UTF-8; the leader's lengths and base address are computed.
    """
    directory = []
    bodies = []
    offset = 0
    for item in fields:
        if len(item) == 2:
            tag, value = item
            body = value.encode("utf-8") + FIELD_END
        else:
            tag, ind1, ind2, subfields = item
            body = (
                (ind1 or " ").encode("ascii")
                + (ind2 or " ").encode("ascii")
                + b"".join(SUBFIELD + code.encode("ascii") + value.encode("utf-8") for code, value in subfields)
                + FIELD_END
            )
        directory.append(f"{tag}{len(body):04d}{offset:05d}".encode("ascii"))
        bodies.append(body)
        offset += len(body)
    directory_bytes = b"".join(directory) + FIELD_END
    base = LEADER_LEN + len(directory_bytes)
    total = base + offset + 1
    if total > 99999:
        raise ValueError("notice trop longue pour ISO 2709 (99 999 octets au plus)")
    head = f"{total:05d}{leader[5:12]}{base:05d}{leader[17:24]}".encode("ascii")
    return head + directory_bytes + b"".join(bodies) + RECORD_END
