"""Full-text search of the catalogue on the engine of the run (SQLite or PostgreSQL).

The expectations are the same on both engines: run this file with and without
DATABASE_URL=postgres://… to check that both give the same top results.
"""

import pytest
from django.utils import timezone

from crpv.catalogue.models import Agent, Attachment, Authorship, Concept, ConceptScheme, Copy, Record
from crpv.catalogue.search import Filters, index_records, reindex_all, search_records
from crpv.catalogue.search.backends import get_backend
from crpv.catalogue.search.query import compile_query
from crpv.territories.models import Departement, Region

pytestmark = pytest.mark.django_db


def make_record(title, *, record_type="rapport", year=2020, abstract="", **kwargs):
    authors = kwargs.pop("authors", [])
    subjects = kwargs.pop("subjects", [])
    departements = kwargs.pop("departements", [])
    record = Record.objects.create(
        record_type=record_type, title=title, publication_year=year, abstract=abstract, **kwargs
    )
    for position, agent in enumerate(authors):
        Authorship.objects.create(record=record, agent=agent, position=position)
    record.subjects.set(subjects)
    record.departements.set(departements)
    return record


def build_corpus():
    """The shared fixture: the same records, the same expected order on both engines."""
    reindex_all()  # start from an empty index (ids may be reused between tests)
    region = Region.objects.create(code="32", name="Hauts-de-France", cog_year=2024)
    nord = Departement.objects.create(code="59", name="Nord", region=region, cog_year=2024)
    pas = Departement.objects.create(code="62", name="Pas-de-Calais", region=region, cog_year=2024)
    scheme = ConceptScheme.objects.create(uri="urn:t", title="thésaurus")
    emploi = Concept.objects.create(scheme=scheme, uri="urn:t:emploi", pref_label="Emploi")
    insertion = Concept.objects.create(scheme=scheme, uri="urn:t:insertion", pref_label="Insertion professionnelle")
    insertion.broader.add(emploi)
    dupont = Agent.objects.create(name="Dupont", forename="Jeanne")
    irev = Agent.objects.create(name="IREV", is_organisation=True)
    r = {}
    r["discriminations"] = make_record(
        "Prévenir les discriminations dans les politiques de la ville",
        abstract="Les discriminations à l'embauche touchent les habitants des quartiers prioritaires.",
        year=2021,
        themes=["prévention des discriminations"],
        authors=[dupont],
        departements=[nord],
    )
    r["evaluation"] = make_record(
        "La politique de la ville : une évaluation",
        record_type="ouvrage",
        year=2015,
        abstract="L'évaluation des contrats de ville et de la politique publique.",
        themes=["évaluation"],
        authors=[irev],
        departements=[pas],
    )
    r["laicite"] = make_record(
        "Laïcité et services publics",
        record_type="fiche",
        year=2019,
        abstract="Une fiche méthodologique sur la laïcité pour les agents.",
        themes=["citoyenneté"],
        is_centre_production=True,
        authors=[irev],
    )
    r["kit"] = make_record(
        "Kit de sensibilisation à la prévention des discriminations",
        record_type="kit",
        year=2023,
        abstract="Exercices et ressources pour un module d'une heure trente ; discrimination et égalité.",
        themes=["prévention des discriminations"],
        is_centre_production=True,
        authors=[irev, dupont],
        subjects=[insertion],
        departements=[nord, pas],
    )
    Copy.objects.create(record=r["kit"], status=Copy.Status.AVAILABLE)
    r["logement"] = make_record(
        "Rénovation urbaine et logement social",
        year=2012,
        abstract="Le renouvellement urbain des quartiers et le logement des habitants.",
        themes=["renouvellement urbain"],
        subjects=[emploi],
    )
    Copy.objects.create(record=r["logement"], status=Copy.Status.ON_LOAN)
    r["staff"] = make_record(
        "Note interne sur la discrimination", abstract="Réservée à l'équipe.", visibility=Record.Visibility.STAFF
    )
    r["deleted"] = make_record("Discrimination : notice supprimée", deleted_at=timezone.now())
    r["html"] = make_record(
        "<script>alert('x')</script> Santé des habitants",
        year=1998,
        abstract="La santé <b>des</b> habitants & l'accès aux soins.",
    )
    Attachment.objects.create(
        record=r["html"], file="catalogue/sante.pdf", sha256="0" * 64, access=Attachment.Access.PUBLIC
    )
    index_records([x.pk for x in r.values()])
    r["nord"], r["emploi"], r["dupont"] = nord, emploi, dupont
    return r


@pytest.fixture
def corpus():
    return build_corpus()


def titles(query, base=None, **kwargs):
    base = Record.objects.public() if base is None else base
    results = search_records(base, query, **kwargs)
    return [r.title for r in results.records]


def ids(query, base=None, **kwargs):
    base = Record.objects.public() if base is None else base
    return [r.pk for r in search_records(base, query, **kwargs).records]


def test_plural_finds_singular_and_back(corpus):
    assert corpus["evaluation"].pk in ids("politiques")
    assert corpus["discriminations"].pk in ids("politique")
    assert set(ids("discrimination")) == {corpus["discriminations"].pk, corpus["kit"].pk}
    assert set(ids("discriminations")) == {corpus["discriminations"].pk, corpus["kit"].pk}


def test_accents_do_not_matter(corpus):
    assert ids("laicite") == ids("Laïcité") == ids("LAÏCITÉ") == [corpus["laicite"].pk]
    assert ids("evaluation") == ids("évaluations") == [corpus["evaluation"].pk]


def test_prefix(corpus):
    assert set(ids("discrimin*")) == {corpus["discriminations"].pk, corpus["kit"].pk}
    assert ids("renouvel*") == [corpus["logement"].pk]
    assert set(ids("politiques*")) == {corpus["discriminations"].pk, corpus["evaluation"].pk}


def test_phrase(corpus):
    # Phrases are stemmed too: "politiques de la ville" is the same phrase.
    assert set(ids('"politique de la ville"')) == {corpus["evaluation"].pk, corpus["discriminations"].pk}
    assert ids('"contrat de ville"') == [corpus["evaluation"].pk]
    assert ids('"ville de la politique"') == []
    assert ids('"logement social"') == [corpus["logement"].pk]
    assert ids('"social logement"') == []


def test_boolean_operators(corpus):
    d, k, e = corpus["discriminations"].pk, corpus["kit"].pk, corpus["evaluation"].pk
    assert set(ids("discrimination ET kit")) == {k}
    assert set(ids("discrimination AND embauche")) == {d}
    assert set(ids("laïcité OU logement")) == {corpus["laicite"].pk, corpus["logement"].pk}
    assert set(ids("discrimination SAUF kit")) == {d}
    assert set(ids("discrimination -kit")) == {d}
    assert set(ids("discrimination NOT kit")) == {d}
    assert set(ids("(évaluation OR kit) discrimination")) == {k}
    assert set(ids("politique -(embauche OR prioritaires)")) == {e}


def test_only_negative_query_finds_nothing_and_says_so(corpus):
    results = search_records(Record.objects.public(), "-logement")
    assert results.invalid and results.total == 0


def test_staff_only_and_deleted_records_stay_hidden_from_the_public(corpus):
    assert corpus["staff"].pk not in ids("discrimination")
    assert corpus["deleted"].pk not in ids("discrimination")
    assert corpus["staff"].pk in ids("discrimination", base=Record.objects.alive())
    assert corpus["deleted"].pk not in ids("discrimination", base=Record.objects.alive())


def test_same_top_results_on_both_engines(corpus):
    """The expected order is written once: this test passes on SQLite and on PostgreSQL."""
    assert titles("discriminations") == [
        "Prévenir les discriminations dans les politiques de la ville",
        "Kit de sensibilisation à la prévention des discriminations",
    ]
    assert titles("politique ville") == [
        "La politique de la ville : une évaluation",
        "Prévenir les discriminations dans les politiques de la ville",
    ]
    assert titles("habitants") == [
        "<script>alert('x')</script> Santé des habitants",
        "Rénovation urbaine et logement social",
        "Prévenir les discriminations dans les politiques de la ville",
    ]


def test_sorting_and_pagination(corpus):
    query = "habitants OU discrimination OU laïcité"
    by_date = search_records(Record.objects.public(), query, sort="date")
    years = [r.publication_year for r in by_date.records]
    assert years == sorted(years, reverse=True)
    by_title = search_records(Record.objects.public(), query, sort="titre")
    assert [r.title_key for r in by_title.records] == sorted(r.title_key for r in by_title.records)
    first = search_records(Record.objects.public(), query, per_page=2, page=1)
    second = search_records(Record.objects.public(), query, per_page=2, page=2)
    assert first.total == 5 and first.page.paginator.num_pages == 3
    assert not {r.pk for r in first.records} & {r.pk for r in second.records}


def test_facets_count_the_matching_records(corpus):
    results = search_records(Record.objects.public(), "discrimination OU habitants")
    facets = {f.name: {o.value: o.count for o in f.options} for f in results.facets}
    assert results.total == 4
    assert facets["type"] == {"rapport": 3, "kit": 1}
    assert facets["theme"] == {"prévention des discriminations": 2, "renouvellement urbain": 1}
    assert facets["annee"] == {"avant-2000": 1, "2010-2014": 1, "depuis-2020": 2}
    assert facets["territoire"] == {"dep-59": 2, "dep-62": 1}
    assert facets["auteur"] == {str(corpus["dupont"].pk): 2, str(Agent.objects.get(name="IREV").pk): 1}
    # available: the kit (a copy on the shelf) and the health report (a public file); the other copy is on loan.
    assert facets["disponible"] == {"1": 2}


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("discrimination OU habitants", Filters()),
        ("discrimination OU habitants", Filters(types=["kit"])),
        ("discrimination OU habitants OU logement OU emploi", Filters(territories=["dep-59"], years=["2010-2014"])),
    ],
)
def test_facets_from_the_candidate_rows_equal_the_grouped_queries(corpus, query, filters):
    from crpv.catalogue.search.engine import candidate_rows, compute_facets

    backend = get_backend()
    scores = dict(backend.candidates(compile_query(query), 5000))
    matching = filters.apply(Record.objects.public()).filter(backend.in_ids("pk", scores))

    def flat(facets):
        return [(f.name, [(o.value, o.label, o.count, o.checked) for o in f.options]) for f in facets]

    assert flat(compute_facets(matching, filters, rows=candidate_rows(matching))) == flat(
        compute_facets(matching, filters)
    )


def test_filters_narrow_the_results(corpus):
    base = Record.objects.public()
    assert ids("discrimination", filters=Filters(types=["kit"])) == [corpus["kit"].pk]
    assert ids("", filters=Filters(themes=["prévention des discriminations"]), sort="titre") == [
        corpus["kit"].pk,
        corpus["discriminations"].pk,
    ]
    assert set(ids("", filters=Filters(territories=["dep-59"]))) == {corpus["discriminations"].pk, corpus["kit"].pk}
    assert set(ids("", filters=Filters(available=True))) == {corpus["kit"].pk, corpus["html"].pk}
    assert ids("", filters=Filters(years=["avant-2000"])) == [corpus["html"].pk]
    assert set(ids("", filters=Filters(authors=[str(corpus["dupont"].pk)]))) == {
        corpus["discriminations"].pk,
        corpus["kit"].pk,
    }
    # A subject finds the records indexed with it and with its narrower concepts.
    assert set(ids("", filters=Filters(subject=corpus["emploi"]))) == {corpus["kit"].pk, corpus["logement"].pk}
    assert search_records(base, "").total == 6


def test_facet_counts_follow_the_filters(corpus):
    results = search_records(Record.objects.public(), "discrimination OU habitants", filters=Filters(types=["kit"]))
    facets = {f.name: {o.value: (o.count, o.checked) for o in f.options} for f in results.facets}
    assert facets["type"] == {"kit": (1, True)}
    assert results.total == 1


def test_highlighting_marks_the_words_and_escapes_html(corpus):
    results = search_records(Record.objects.public(), "habitants santé")
    record = results.records[0]
    assert str(record.title_html) == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>Santé</mark> des <mark>habitants</mark>"
    )
    assert "<mark>santé</mark> &lt;b&gt;des&lt;/b&gt; <mark>habitants</mark> &amp;" in str(record.excerpt)
    assert "<script>" not in str(record.excerpt) + str(record.title_html)


def test_the_index_follows_changes_through_the_write_path(corpus):
    record = corpus["laicite"]
    record.title = "Neutralité et services publics"
    record.abstract = ""
    record.save()
    index_records([record.pk])
    assert ids("laïcité") == []
    assert ids("neutralite") == [record.pk]
    record.deleted_at = timezone.now()
    record.save()
    index_records([record.pk])
    assert ids("neutralite", base=Record.objects.all()) == []


def test_authors_subjects_and_keywords_are_searchable(corpus):
    assert set(ids("jeanne dupont")) == {corpus["discriminations"].pk, corpus["kit"].pk}
    assert ids("insertion professionnelle") == [corpus["kit"].pk]


def test_candidate_cap_keeps_the_most_recent_matches(corpus):
    results = search_records(Record.objects.public(), "habitants", cap=2)
    assert results.capped
    # The two most recently catalogued matches only, ranked among themselves.
    assert {r.pk for r in results.records} == {corpus["logement"].pk, corpus["html"].pk}


@pytest.mark.parametrize("walk_cost", [0.0, 1e9])
@pytest.mark.parametrize("cap", [1, 2, 3, 5000])
def test_candidates_are_the_most_recent_matches_whichever_plan(corpus, monkeypatch, cap, walk_cost):
    """PostgreSQL walks the primary key or reads the GIN bitmap (WALK_COST chooses): the same candidates."""
    backend = get_backend()
    monkeypatch.setattr(backend, "PROBE", 1, raising=False)  # several walked batches on a small corpus
    monkeypatch.setattr(backend, "WALK_COST", walk_cost, raising=False)
    matching = sorted(
        Record.objects.alive()
        .filter(pk__in=[r.pk for r in corpus.values() if isinstance(r, Record)])
        .values_list("pk", flat=True)
    )
    for query in ["habitants", "discrimination OU laïcité", '"politique de la ville"', "renouvel*", "nulle part"]:
        found = backend.candidates(compile_query(query), cap)
        expected = sorted(ids(query, base=Record.objects.alive(), cap=10**6, per_page=100), reverse=True)
        assert sorted((pk for pk, _ in found), reverse=True) == expected[:cap]
        assert set(expected) <= set(matching)


def test_reindex_rebuilds_everything(corpus):
    assert reindex_all() == 7  # alive records, staff-only ones included
    assert get_backend().count() == 7
    assert set(ids("discrimination")) == {corpus["discriminations"].pk, corpus["kit"].pk}


def test_reindex_command(corpus):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reindex_catalogue", stdout=out)
    assert "7 notices indexées" in out.getvalue()


def test_compiled_queries_are_valid_for_the_engine(corpus):
    backend = get_backend()
    for query in ['"', "a*", "(((x", "ET OU SAUF", "l'état d'urgence*", "x -y -z", '"a b" OR c*', "NOT NOT ville"]:
        tree = compile_query(query)
        if tree is not None:
            backend.candidates(tree, 10)  # no SQL error


def test_postgresql_tsvectors_built_in_python_equal_the_servers():
    """PostgreSQL: `load()` writes the tsvector `TSVECTOR_SQL` would compute, the rare edge cases included."""
    import random

    from django.db import connection

    from crpv.catalogue.search.backends import TABLE, TSVECTOR_SQL, tsvector_text
    from crpv.catalogue.search.text import index_text

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    rng = random.Random(5)
    vocabulary = ["polit", "vill", "a", "1", "2024", "x1y2", "1e5", "0x1f", "z" * 999, "evalu", "logement"]
    rows = [
        (1, "", ""),
        (2, "polit", ""),
        (3, "", "polit polit vill"),
        (4, index_text("La politique de la ville : une évaluation"), index_text("Politiques publiques, l'État.")),
        (5, "polit " * 300, "vill"),  # a word more than 255 times
        (6, "vill", "polit " * 254 + "vill " * 3),
        (7, "vill " * 200, "polit " * 16_500),  # positions beyond 16 383
        (8, "z" * 1000, "vill"),  # a very long word
    ]
    for pk in range(9, 400):
        title = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
        body = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 400)))
        rows.append((pk, title, body))
    assert [tsvector_text(*row[1:]) is None for row in rows[:8]] == [False] * 4 + [True, False, True, True]
    rows = [(pk, *row, pk % 3 != 0) for pk, *row in rows]  # (id, title, body, public)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        get_backend().load(cursor, rows)
        cursor.execute("CREATE TEMP TABLE expected (record_id bigint, title text, body text, public boolean)")
        cursor.executemany("INSERT INTO expected VALUES (%s, %s, %s, %s)", rows)
        cursor.execute(
            f"SELECT e.record_id FROM expected e LEFT JOIN {TABLE} s ON s.record_id = e.record_id "  # noqa: S608
            f"WHERE s.tsv IS DISTINCT FROM {TSVECTOR_SQL % ('e.title', 'e.body')} "
            "OR s.public IS DISTINCT FROM e.public"
        )
        assert cursor.fetchall() == []


SCOPED_QUERIES = ["discrimination", "habitants", "discrimination OU laïcité", '"politique de la ville"', "renouvel*"]


@pytest.mark.parametrize(("scope", "base"), [("public", Record.objects.public), ("alive", Record.objects.alive)])
@pytest.mark.parametrize("sort", ["pertinence", "recent", "date", "titre"])
def test_a_scoped_search_gives_what_the_records_table_gives(corpus, scope, base, sort):
    """`scope` lets the index's flag filter the candidates (and, without filters or facets, skips the records
    table): the results, their order and the total are those of the search that checks every candidate."""
    for query in SCOPED_QUERIES:
        for cap in (2, 5000):
            for facets in (False, True):
                scoped = search_records(base(), query, scope=scope, sort=sort, cap=cap, with_facets=facets)
                checked = search_records(base(), query, sort=sort, cap=10**6, with_facets=facets)
                expected = [r.pk for r in checked.records]
                if cap == 2:  # the two most recent matches of the scope, ranked among themselves
                    kept = sorted(expected, reverse=True)[:2]
                    expected = [pk for pk in expected if pk in kept]
                assert [r.pk for r in scoped.records] == expected, (query, cap, facets)
                assert scoped.total == len(expected)


def test_the_public_flag_follows_the_records_visibility(corpus):
    backend = get_backend()
    tree = compile_query("discrimination")
    public = {pk for pk, _ in backend.candidates(tree, 100, public_only=True)}
    everyone = {pk for pk, _ in backend.candidates(tree, 100)}
    assert corpus["staff"].pk in everyone - public
    assert corpus["kit"].pk in public
    kit = corpus["kit"]
    kit.visibility = Record.Visibility.STAFF
    kit.save()
    index_records([kit.pk])
    assert kit.pk not in {pk for pk, _ in backend.candidates(tree, 100, public_only=True)}
    assert kit.pk not in ids("discrimination", scope="public")
    assert kit.pk in ids("discrimination", base=Record.objects.alive(), scope="alive")
    reindex_all()  # the full rebuild writes the same flags
    assert {pk for pk, _ in backend.candidates(tree, 100, public_only=True)} == public - {kit.pk}


def test_a_lagging_index_never_shows_a_staff_only_record_to_the_public(corpus):
    """The index is written after the records' transaction (imports index in a task): until then, its flag may
    say public for a record made staff-only, or hold a deleted record. The page is read through `base`."""
    kit = corpus["kit"]
    Record.objects.filter(pk=kit.pk).update(visibility=Record.Visibility.STAFF)  # the index not told
    Record.objects.filter(pk=corpus["discriminations"].pk).update(deleted_at=timezone.now())
    for scope in ("public", None):
        found = ids("discrimination", scope=scope, with_facets=False)
        assert kit.pk not in found and corpus["discriminations"].pk not in found


def test_an_unknown_scope_is_refused(corpus):
    with pytest.raises(ValueError, match="scope"):
        search_records(Record.objects.public(), "discrimination", scope="tout")
