"""Parsers never raise: random bytes and mutated valid files give records or per-record errors."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpv.catalogue import formats, skos

from .conftest import marc21_record, unimarc_record
from .test_formats_text import BIBTEX, CSV, RIS

SEEDS = {
    "unimarc": unimarc_record().as_marc() + unimarc_record(ident="B", isbn="").as_marc(),
    "marc21": marc21_record().as_marc(),
    "marcxml": formats.write(formats.parse(unimarc_record().as_marc(), "unimarc").records, "marcxml"),
    "ris": RIS.encode(),
    "bibtex": BIBTEX.encode(),
    "csv": CSV.encode("cp1252"),
}
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data, fmt):
    result = formats.parse(data, fmt)
    for error in result.errors:
        assert isinstance(error.reason, str) and error.reason
    for record in result.records:
        assert record.title
    positions = [r.position for r in result.records] + [e.position for e in result.errors if e.position]
    assert len(positions) == len(set(positions))


@FAST
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(sorted(SEEDS)))
def test_random_bytes(data, fmt):
    check(data, fmt)


@st.composite
def mutated(draw):
    fmt = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[fmt])
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[i] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[i:]
        elif action == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete" and data:
            del data[i : i + draw(st.integers(1, 30))]
    return bytes(data), fmt


@FAST
@given(case=mutated())
def test_mutated_valid_files(case):
    check(*case)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600), fmt=st.sampled_from(["turtle", "xml"]))
def test_skos_parser_never_raises(data, fmt):
    result = skos.parse(data, fmt)
    assert result.concepts or result.errors


def test_an_unknown_encoding_in_the_xml_declaration_is_a_clear_error():
    """Found by hypothesis: `encoding='u-f-8'` raised LookupError out of the parser."""
    from crpv.catalogue.formats import marcxml

    with pytest.raises(ValueError, match="codage de caractères inconnu"):
        marcxml.safe_fromstring(b"<?xml version='1.0' encoding='u-f-8'?><collection/>")
