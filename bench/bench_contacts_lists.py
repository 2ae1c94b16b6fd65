"""People list and segments over 100 000 generated people.

    .venv/bin/python bench/bench_contacts_lists.py              # SQLite (temporary file)
    .venv/bin/python bench/bench_contacts_lists.py --postgres   # database crpv_bench_lists, created and dropped

Figures (p95 over repeated runs, after one warm-up):
- segment count + first page of 50 (`people_matching`, role × département
  × network, with the current positions prefetched): ours;
- bound: the raw SQL count on the same tables with plain joins and
  DISTINCT, plus a raw first page (ids only), in the same run;
- the unfiltered people list (count + first page) the same way; its count
  is `count_active_people`, as the view does without criteria.
All names are synthetic; addresses are on exemple.test.
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import p95, report, setup_django  # noqa: E402

PEOPLE = 100_000
PG_NAME = "crpv_bench_lists"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
RUNS = 20


def configure(postgres, work):
    if postgres:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    setup_django("config.settings.test")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def drop(postgres):
    from django.db import connections

    connections.close_all()
    if postgres:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def seed():
    from django.db import transaction
    from django.utils import timezone

    from crpv.contacts.models import Membership, Network, Organisation, OrganisationKind, Person, Position, Role
    from crpv.territories.models import Commune, Departement, Region

    rng = random.Random(100_000)
    now = timezone.now()
    with transaction.atomic():
        region = Region.objects.create(code="32", name="Hauts-de-France", cog_year=2026)
        deps = [
            Departement.objects.create(code=c, name=n, region=region, cog_year=2026)
            for c, n in [("02", "Aisne"), ("59", "Nord"), ("60", "Oise"), ("62", "Pas-de-Calais"), ("80", "Somme")]
        ]
        communes = [
            Commune.objects.create(code=f"{d.code}{i:03d}", name=f"Commune {d.code}-{i}", departement=d, cog_year=2026)
            for d in deps
            for i in range(40)
        ]
        kinds = list(OrganisationKind.values)
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Structure {i}",
                    folded_name=f"structure {i}",
                    kind=kinds[i % len(kinds)],
                    commune=communes[i % len(communes)],
                    created_at=now,
                    updated_at=now,
                )
                for i in range(3000)
            ]
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    first_name="Léa",
                    last_name=f"Nom{i:06d}",
                    folded_name=f"lea nom{i:06d}",
                    email=f"p{i}@exemple.test",
                    created_at=now,
                    updated_at=now,
                )
                for i in range(PEOPLE)
            ],
            batch_size=5000,
        )
        if not people[0].pk:
            people = list(Person.objects.order_by("pk"))
        roles = list(Role.values)
        positions = []
        for i, person in enumerate(people):
            positions.append(Position(person=person, organisation=rng.choice(orgs), role=roles[i % len(roles)]))
            if i % 5 == 0:
                positions.append(
                    Position(
                        person=person,
                        organisation=rng.choice(orgs),
                        role=rng.choice(roles),
                        start_date=datetime.date(2015, 1, 1),
                        end_date=datetime.date(2020, 1, 1),
                    )
                )
        Position.objects.bulk_create(positions, batch_size=5000)
        pilots = Network.objects.get(slug="reseau-des-pilotes")
        Membership.objects.bulk_create(
            [Membership(person=p, network=pilots, created_at=now, updated_at=now) for p in people[::7]],
            batch_size=5000,
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed_runs(fn):
    fn()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return p95(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", action="store_true", help="same as --engine postgresql")
    args = parser.parse_args()
    args.postgres = args.postgres or args.engine == "postgresql"
    with tempfile.TemporaryDirectory() as tmp:
        configure(args.postgres, Path(tmp))
        try:
            seed()
            run()
        finally:
            drop(args.postgres)


def run():
    from django.db import connection

    from crpv.contacts.models import Membership, Network, Person, Position
    from crpv.contacts.segments import count_active_people, people_matching
    from crpv.contacts.views import _with_current_positions

    criteria = {"roles": ["pilote", "chef_projet"], "departements": ["59", "62"], "networks": ["reseau-des-pilotes"]}

    def ours_segment():
        people = people_matching(criteria)
        count = people.count()
        page = list(_with_current_positions(people)[:50])
        return count, page

    pilots = Network.objects.get(slug="reseau-des-pilotes").pk
    q = connection.ops.quote_name
    person, position = Person._meta.db_table, Position._meta.db_table
    membership = Membership._meta.db_table
    org, commune = "contacts_organisation", "territories_commune"
    dep = "territories_departement"
    joins = (
        f"FROM {q(person)} p JOIN {q(position)} po ON po.person_id = p.id "
        f"JOIN {q(org)} o ON o.id = po.organisation_id JOIN {q(commune)} c ON c.id = o.commune_id "
        f"JOIN {q(dep)} d ON d.id = c.departement_id JOIN {q(membership)} m ON m.person_id = p.id "
        "WHERE p.is_anonymised = %s AND po.role IN ('pilote', 'chef_projet') AND d.code IN ('59', '62') "
        "AND m.network_id = %s"
    )

    def bound_segment():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(DISTINCT p.id) {joins}", [False, pilots])  # noqa: S608
            count = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT DISTINCT p.id, p.last_name, p.first_name {joins} ORDER BY p.last_name, p.first_name, p.id LIMIT 50",  # noqa: S608,E501
                [False, pilots],
            )
            return count, cursor.fetchall()

    assert ours_segment()[0] == bound_segment()[0], (ours_segment()[0], bound_segment()[0])
    assert count_active_people() == people_matching({}).count()

    def ours_list():  # as `person_list` does without criteria
        people = people_matching({})
        return count_active_people(), list(_with_current_positions(people)[:50])

    def bound_list():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {q(person)} WHERE is_anonymised = %s", [False])  # noqa: S608
            count = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT id, last_name, first_name FROM {q(person)} WHERE is_anonymised = %s "  # noqa: S608
                "ORDER BY last_name, first_name, id LIMIT 50",
                [False],
            )
            return count, cursor.fetchall()

    engine = connection.vendor
    print(f"# {engine}, {PEOPLE} people, segment count = {ours_segment()[0]}")
    report(
        f"segment count + first page ({engine})",
        timed_runs(ours_segment),
        timed_runs(bound_segment),
        "ms",
        "target ≤ 200 ms",
    )
    report(
        f"people list count + first page ({engine})",
        timed_runs(ours_list),
        timed_runs(bound_list),
        "ms",
        "target p95 ≤ 100 ms",
    )


if __name__ == "__main__":
    main()
