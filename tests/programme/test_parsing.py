import io

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crpv.programme.parsing import (
    ParsedProgramme,
    ParseError,
    decode_text,
    extract_targets,
    parse_file,
    parse_text,
    roman_to_int,
)


def one(sentence, year=2025):
    targets = extract_targets(sentence, year)
    return [(t.quantity, t.quantity_max, t.approximate, t.unit, t.period, t.format) for t in targets]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Cinq sessions du module pourront être déployées", [(5, None, False, "session", "total", "unspecified")]),
        ("objectif de 5 journées par an", [(5, None, False, "journee", "an", "unspecified")]),
        ("2 rencontres en visio par an", [(2, None, False, "rencontre", "an", "distanciel")]),
        ("pour 8 journées", [(8, None, False, "journee", "total", "unspecified")]),
        (
            "3 rencontres de réseau (en visio) et une rencontre en présentiel",
            [
                (3, None, False, "rencontre", "total", "distanciel"),
                (1, None, False, "rencontre", "total", "presentiel"),
            ],
        ),
        ("sur 4 à 5 territoires", [(4, 5, False, "territoire", "total", "unspecified")]),
        ("une moyenne de 4 sessions par an", [(4, None, False, "session", "an", "unspecified")]),
        ("2 journées consacrées aux CPO", [(2, None, False, "journee", "total", "unspecified")]),
        ("4 événements", [(4, None, False, "evenement", "total", "unspecified")]),
        ("une trentaine de participants", [(30, None, True, "participant", "total", "unspecified")]),
        ("douze webinaires", [(12, None, False, "webinaire", "total", "distanciel")]),
        ("3 réunions / an", [(3, None, False, "reunion", "an", "unspecified")]),
        ("Une ½ journée d'échanges", [(1, None, False, "demi_journee", "total", "unspecified")]),
        ("deux demi-journées", [(2, None, False, "demi_journee", "total", "unspecified")]),
        ("appels à contribution (1 à 2/an)", [(1, 2, False, "appel", "an", "unspecified")]),
    ],
)
def test_targets_in_french_sentences(sentence, expected):
    assert one(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Le programme 2025 compte 2025 actions en 2025.",
        "un module de sensibilisation (0.5 jour)",
        "un groupe d'étudiants de M2",
        "un module d'1H30",
        "La mobilité des 14-25 ans",
        "3 123 demi-journées pour tous les CRPV",
        "le 12/03/2025 à 10:30",
        "formateurs habilités – 2 journées par séance",
        "Un premier cycle s'est déployé en 2024 avec 4 territoires.",
        "Une rencontre régionale pourrait éventuellement être proposée.",
        "un événement métropolitain",
        "le PCAET, le PAT et le 2nd semestre",
    ],
)
def test_not_targets(sentence):
    assert one(sentence) == []


def test_roman_numerals():
    assert [roman_to_int(r) for r in ("I", "II", "IV", "VII", "IX", "XII")] == [1, 2, 4, 7, 9, 12]
    assert roman_to_int("IIII") is None
    assert roman_to_int("VX") is None


def test_decoding_utf8_then_windows_1252():
    assert decode_text("Évaluer".encode()) == "Évaluer"
    assert decode_text("Évaluer".encode("cp1252")) == "Évaluer"
    with pytest.raises(ParseError):
        decode_text(b"\x81\x8d\x8f\x90\x9d\xff")
    with pytest.raises(ParseError):
        decode_text(b"abc\x00def")


SMALL = """Programme 2026

I Premier axe
1. PREMIERE ACTION
Objectif : 3 webinaires par an.
2\tDEUXIEME ACTION DES QPV
Organisation de 2 journées en présentiel.
II- Second axe
1. Une action
"""


def test_small_programme_and_errors():
    parsed = parse_text(SMALL)
    assert parsed.year == 2026
    assert [a.title for a in parsed.axes] == ["Premier axe", "Second axe"]
    assert [a.title for a in parsed.axes[0].actions] == ["Premiere action", "Deuxieme action des QPV"]
    assert parsed.target_count == 2
    assert ParsedProgramme.from_dict(parsed.to_dict()) == parsed
    with pytest.raises(ParseError, match="vide"):
        parse_text("  \n\n")
    with pytest.raises(ParseError, match="chiffres romains"):
        parse_text("Une liste de courses\n1. Pain\n2. Lait")
    with pytest.raises(ParseError, match="format"):
        parse_file("programme.pdf", b"%PDF")
    with pytest.raises(ParseError, match="docx"):
        parse_file("programme.docx", b"not a zip file")
    with pytest.raises(ParseError, match="docx"):
        parse_file("programme.docx", b"PK\x03\x04 broken")


def test_docx_made_here():
    document = docx.Document()
    document.add_heading("Programme 2025", level=0)
    document.add_paragraph("Sommaire")
    document.add_paragraph("I Conduire la politique de la ville\t3")
    document.add_paragraph("1. Suivre et évaluer les contrats de ville\t3")
    document.add_paragraph("II- Transitions\t4")
    document.add_paragraph("1. Les mobilités durables\t4")
    document.add_paragraph("Introduction")
    document.add_paragraph("Le programme de l'année.")
    document.add_heading("I Conduire la politique de la ville", level=1)
    document.add_heading("1. SUIVRE ET EVALUER LES CONTRATS DE VILLE", level=2)
    document.add_paragraph("Les objectifs :")
    document.add_paragraph("Qualifier les acteurs", style="List Bullet")
    document.add_paragraph("Outiller les pilotes", style="List Bullet")
    document.add_paragraph("Cinq sessions du module pourront être déployées, de février à juin 2025.")
    document.add_heading("II- Transitions", level=1)
    document.add_heading("1. LES MOBILITES DURABLES", level=2)
    document.add_paragraph("Format : 3 rencontres de réseau (en visio) et une rencontre en présentiel.")
    buffer = io.BytesIO()
    document.save(buffer)

    parsed = parse_file("programme.docx", buffer.getvalue())
    assert parsed.year == 2025
    assert [(a.roman, a.title) for a in parsed.axes] == [
        ("I", "Conduire la politique de la ville"),
        ("II", "Transitions"),
    ]
    first = parsed.axes[0].actions[0]
    assert first.title == "Suivre et évaluer les contrats de ville"
    assert first.objectives == ["Qualifier les acteurs", "Outiller les pilotes"]
    assert [(t.quantity, t.unit) for t in first.targets] == [(5, "session")]
    assert [w.label for w in first.calendar] == ["Février à juin 2025"]
    second = parsed.axes[1].actions[0]
    assert second.title == "Les mobilités durables"
    assert [(t.quantity, t.unit, t.format) for t in second.targets] == [
        (3, "rencontre", "distanciel"),
        (1, "rencontre", "presentiel"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_extract_targets_never_crashes(text):
    for target in extract_targets(text, 2025):
        assert 1 <= target.quantity <= 999
        assert target.quantity_max is None or target.quantity_max > target.quantity


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["I Axe", "II- Axe", "1. ACTION", "5 ACTION", "2\tACTION", "- puce", "Texte 3 journées.", "", "x\t4"]
        ),
        max_size=30,
    )
)
def test_parse_lines_never_crashes(lines):
    try:
        parsed = parse_text("\n".join(lines))
    except ParseError:
        return
    numbers = [a.number for a in parsed.axes]
    assert numbers == sorted(set(numbers))
    for axis in parsed.axes:
        assert [a.position for a in axis.actions] == list(range(1, len(axis.actions) + 1))
