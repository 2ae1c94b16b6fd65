"""The query language: parsing, normalisation into stems, and a fuzz test (never raises)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from crpv.catalogue.search.backends import PostgresqlBackend, SqliteBackend
from crpv.catalogue.search.query import And, Not, Or, Phrase, Term, compile_query, parse
from crpv.catalogue.search.text import tokens


def test_french_words_are_folded_and_stemmed():
    assert tokens("Politiques politique POLITIQUE") == ["polit"] * 3
    assert tokens("discrimination discriminations") == ["discrimin"] * 2
    assert tokens("laïcité laicite") == ["laicit"] * 2
    assert tokens("L'État et l'évaluation d'une politique") == ["etat", "et", "evalu", "une", "polit"]


def test_parse_operators_phrases_prefixes():
    assert parse('"mot exact" mot*') == And((Phrase(("mot", "exact")), Term("mot", prefix=True)))
    assert parse("a OU b") == Or((Term("a"), Term("b")))
    assert parse("a OR b AND c") == Or((Term("a"), And((Term("b"), Term("c")))))
    assert parse("a SAUF b") == And((Term("a"), Not(Term("b"))))
    assert parse("a -b") == And((Term("a"), Not(Term("b"))))
    assert parse("a -(b OU c)") == And((Term("a"), Not(Or((Term("b"), Term("c"))))))
    assert parse("(a OU b") == Or((Term("a"), Term("b")))
    # Lower-case "et" / "ou" are words, not operators.
    assert parse("a ou b") == And((Term("a"), Term("ou"), Term("b")))


def test_normalisation():
    assert compile_query("politiques publiques") == And((Term("polit"), Term("publiqu")))
    assert compile_query("politique de la ville") == And((Term("polit"), Term("vill")))
    assert compile_query('"politique de la ville"') == Phrase(("polit", "de", "la", "vill"))
    assert compile_query("-logement") is None
    assert compile_query("logement OU -habitat") == Term("log")
    assert compile_query("") is None and compile_query('  * ( ) "" ') is None


def test_compilation_per_engine():
    # AND (and SAUF) bind tighter than OR, as in SQL.
    tree = compile_query('"contrat de ville" OU évalu* SAUF emploi')
    assert SqliteBackend().compile(tree) == '("contrat de vill" OR (("evalu" *) NOT ("emploi")))'
    assert PostgresqlBackend().compile(tree) == "(('contrat' <-> 'de' <-> 'vill') | ('evalu':* & !'emploi'))"


OPERATORS = st.sampled_from(["ET", "OU", "SAUF", "AND", "OR", "NOT", "-", "(", ")", '"', "*", "&", "|", "'", ":", "!"])
QUERIES = st.lists(st.one_of(st.text(max_size=12), OPERATORS), max_size=30).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(QUERIES)
def test_parser_never_raises_and_compiles_to_safe_expressions(query):
    tree = compile_query(query)
    if tree is None:
        return
    for backend in (SqliteBackend(), PostgresqlBackend()):
        expression = backend.compile(tree)
        # Only stems (folded: [0-9a-z]) and the engine's own syntax reach the engine.
        assert set(expression) <= set("abcdefghijklmnopqrstuvwxyz0123456789 \"'()*:&|!<->ANDORT")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses(text):
    parse(text)
    compile_query(text)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.characters(max_codepoint=0x2FF)
        | st.sampled_from("’«»—œŒÆﬁ\u0301\u00a0\u2009\u2028\u3000\x1c\x85\t\n"),
        max_size=80,
    )
)
def test_index_text_is_the_tokens_joined(value):
    from crpv.catalogue.search.text import index_text, tokens

    assert index_text(value) == " ".join(tokens(value))
    assert index_text(value) == " ".join(tokens(value))  # from the cache too


def test_index_text_examples():
    from crpv.catalogue.search.text import index_text, tokens

    for value in [
        "L'État, la laïcité — «Politiques» publiques!",
        "d’une œuvre",
        "Île-de-France/Lyon",
        "é\u0301t\u00e9",
        "",
    ]:
        assert index_text(value) == " ".join(tokens(value))
