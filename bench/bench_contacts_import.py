"""Contacts import: rows/s of the full pipeline against a base of 50 000 people.

    .venv/bin/python bench/bench_contacts_import.py              # SQLite (temporary file)
    .venv/bin/python bench/bench_contacts_import.py --postgres   # database crpv_bench_contacts, created and dropped

Our figure: `import_contacts` on a 50 000-row CSV (validation, dedupe against
the base, structures, positions, one transaction). The bound: `csv.reader`
plus one DB-API `executemany` insert of the same rows in one transaction.
Memory: peak traced allocations of the import at 50 000 and 500 000 rows, each
measured in a fresh process. All names are synthetic.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, report, setup_django  # noqa: E402

BASE_PEOPLE = 50_000
ROWS = 50_000
BIG_ROWS = 500_000
PG_NAME = "crpv_bench_contacts"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

FIRST = ["Léa", "Anaïs", "Noël", "Zoé", "Jules", "Hugo", "Inès", "Chloé", "Théo", "Maël", "Camille", "Élise", "Loïc"]
LAST = ["Durand", "Lefèvre", "Dubœuf", "Martin", "Petit", "Moreau", "Fournier", "Girard", "Lambert", "Bonnet", "Roux"]
ORG_KINDS = ["Ville de", "Centre social de", "Association Quartiers de", "Collège de", "Bailleur social de"]
TOWNS = ["Laon", "Amiens", "Lens", "Roubaix", "Beauvais", "Calais", "Creil", "Tourcoing", "Maubeuge", "Denain"]
HEADER = ["Nom", "Prénom", "Courriel", "Fonction", "Structure", "Code postal", "Commune", "Téléphone"]


def synthetic_row(i, rng, prefix):
    town = TOWNS[i % len(TOWNS)]
    postcode = f"{(i % 1500) * 37 % 90000 + 1000:05d}"
    return [
        f"{rng.choice(LAST)}{i}",
        rng.choice(FIRST),
        f"{prefix}{i}@exemple.test",
        "Chargé·e de mission",
        f"{ORG_KINDS[i % len(ORG_KINDS)]} {town} {i % 1500}",
        postcode.lstrip("0") if i % 10 == 0 else postcode,  # Excel dropped the zero
        town,
        f"03 2{i % 10} 00 00 00",
    ]


def write_csv(path, rows, prefix="nouveau"):
    rng = random.Random(rows)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(synthetic_row(i, rng, prefix))


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
    from django.conf import settings

    settings.CRPV_MAX_UPLOAD_MB = 500  # the 500 000-row file is about 40 MB


def drop(postgres):
    if postgres:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def seed_base():
    from crpv.contacts.models import Organisation, Person, Position

    rng = random.Random(1)
    pairs = zip(ORG_KINDS * 400, TOWNS * 200, strict=True)
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"{k} {t} {i}", folded_name="") for i, (k, t) in enumerate(pairs)]
    )
    from crpv.core.text import fold

    for org in orgs:
        org.folded_name = fold(org.name)
    Organisation.objects.bulk_update(orgs, ["folded_name"], batch_size=1000)
    people = [
        Person(
            first_name=rng.choice(FIRST),
            last_name=f"{rng.choice(LAST)}{i}",
            email=f"base{i}@exemple.test",
            folded_name=fold(f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}"),
        )
        for i in range(BASE_PEOPLE)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    Position.objects.bulk_create(
        [Position(person=p, organisation=orgs[i % len(orgs)]) for i, p in enumerate(people)], batch_size=2000
    )


def run_import(path):
    from crpv.contacts.operations import import_contacts

    report_ = import_contacts(source=str(path), acting_user=None, filename=path.name)
    assert report_.ok and report_.written, (report_.refusal, report_.errors[:3])
    return report_


def bound(path):
    """csv.reader + one executemany in one transaction: the floor for the same rows."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw (last_name varchar(150), first_name varchar(150), email varchar(254), "
            "function_title varchar(250), organisation varchar(250), postcode varchar(10), commune varchar(200), "
            "phone varchar(30))"
        )
    start = time.perf_counter()
    with transaction.atomic(), open(path, encoding="cp1252", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        with connection.cursor() as cursor:
            placeholders = ", ".join(["%s"] * len(HEADER))
            cursor.executemany(f"INSERT INTO bench_raw VALUES ({placeholders})", list(reader))  # noqa: S608
    return time.perf_counter() - start


def child_memory(rows, postgres):
    """Run in a fresh process: peak traced memory of one import of `rows` rows."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        configure(postgres, work)
        try:
            seed_base()
            path = work / "contacts.csv"
            write_csv(path, rows)
            tracemalloc.start()
            run_import(path)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(peak)
        finally:
            drop(postgres)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", action="store_true", help="same as --engine postgresql")
    parser.add_argument("--child-memory", type=int)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    args.postgres = args.postgres or args.engine == "postgresql"
    if args.child_memory:
        child_memory(args.child_memory, args.postgres)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        configure(args.postgres, work)
        try:
            from _common import engine_name

            seed_base()
            path = work / "contacts.csv"
            write_csv(path, ROWS)
            start = time.perf_counter()
            result = run_import(path)
            ours = time.perf_counter() - start
            raw = bound(path)
            engine = engine_name()
            print(f"# {engine}: {result.summary()}")
            report(
                f"contacts import, {ROWS} rows, base {BASE_PEOPLE} ({engine})",
                ROWS / ours,
                ROWS / raw,
                "rows/s",
                "target ≥ 10 000 rows/s",
            )
        finally:
            drop(args.postgres)
    if args.skip_memory:
        return
    peaks = {}
    for rows in (ROWS, BIG_ROWS):
        command = [sys.executable, __file__, "--child-memory", str(rows)] + (["--postgres"] if args.postgres else [])
        output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
        peaks[rows] = int(output.strip().splitlines()[-1]) / 1024 / 1024
    report(
        f"import peak memory, {BIG_ROWS} vs {ROWS} rows (MiB)",
        peaks[BIG_ROWS],
        peaks[ROWS],
        "MiB",
        "flat: ratio close to 1",
    )


if __name__ == "__main__":
    main()
