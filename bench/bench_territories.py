"""Benchmark the territories: loading the region's referentiel, and searching it.

    .venv/bin/python bench/bench_territories.py                      # SQLite (temporary file)
    .venv/bin/python bench/bench_territories.py --engine postgresql  # database crpv_bench, created then dropped

Never touches the database of `DATABASE_URL`: SQLite runs in a temporary file,
PostgreSQL in a `crpv_bench` database created on the server of
`BENCH_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres) and
dropped at the end. Migrations run there first.

Figures (each with the engine's bound measured in the same run):
(a) `load_referentiel` of the whole region into empty tables, vs a raw bulk
    insert of exactly the rows it wrote (DB-API `executemany`, one transaction,
    same tables) — target ≤ 3×;
(b) `search_territories` p95 over ~50 realistic queries, vs the raw SQL `LIKE`
    on the same `search_key` columns of the same tables — target p95 ≤ 20 ms.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import engine_name, median, p95, report, setup_django, timed  # noqa: E402

BENCH_DB = "crpv_bench"
REPEATS = 3
SEARCH_REPEATS = 5

# Tables written by load_referentiel, parents first.
TABLES = [
    "territories_region",
    "territories_departement",
    "territories_epci",
    "territories_epci_departements",
    "territories_commune",
    "territories_contratdeville",
    "territories_qpv",
    "territories_qpv_communes",
    "territories_qpv_epcis",
    "territories_qpv_candidate_contrats",
    "territories_projetrenouvellement",
    "territories_projetrenouvellement_communes",
    "territories_citeeducative",
    "territories_citeeducative_communes",
    "territories_datasource",
]
SEARCH_TABLES = [
    "territories_departement",
    "territories_qpv",
    "territories_contratdeville",
    "territories_epci",
    "territories_commune",
    "territories_projetrenouvellement",
    "territories_citeeducative",
]

QUERIES = [
    "bethune", "Béthune", "lille", "roubaix", "tourcoing", "saint quentin", "Saint-Quentin", "amiens", "amiens nord",
    "calais", "boulogne", "dunkerque", "grande synthe", "valenciennes", "maubeuge", "denain", "douai", "lens",
    "lievin", "arras", "beauvais", "creil", "compiegne", "soissons", "laon", "chateau thierry", "hirson",
    "QN05901M", "qn05901m", "QN06201M", "qn080", "CN05904M", "cn062", "59350", "62119", "80000", "62400", "02100",
    "200093201", "metropole", "agglomeration", "communaute de communes", "nord", "pas de calais", "somme",
    "cite", "cite educative", "europe", "centre ville", "faubourg", "les", "a",
]  # fmt: skip


def prepare_database(engine):
    """Point DATABASE_URL at a throwaway database; return a cleanup function."""
    if engine == "sqlite":
        directory = tempfile.mkdtemp(prefix="crpv-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
        return lambda: shutil.rmtree(directory, ignore_errors=True)

    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    parts = urlsplit(server)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))

    def cleanup():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")

    return cleanup


def clear_tables():
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in reversed(TABLES):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute("DELETE FROM core_auditentry")


def dump_tables():
    """Every row load_referentiel wrote, per table, as DB-API tuples."""
    from django.db import connection

    dumped = []
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            columns = [c[0] for c in cursor.description]
            dumped.append((table, columns, cursor.fetchall()))
    return dumped


def raw_bulk_insert(dumped):
    """The bound: plain DB-API executemany of the same rows, one transaction."""
    from django.db import connection

    raw = connection.connection  # the DB-API connection itself
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    adapt = _jsonb_adapter() if connection.vendor == "postgresql" else None
    cursor = raw.cursor()
    try:
        if connection.vendor == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        for table, columns, rows in dumped:
            if not rows:
                continue
            if adapt:
                rows = [tuple(adapt(v) for v in row) for row in rows]
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})"  # noqa: S608
            cursor.executemany(sql, rows)
        raw.commit()
    finally:
        cursor.close()


def _jsonb_adapter():
    from psycopg.types.json import Jsonb

    return lambda v: Jsonb(v) if isinstance(v, list | dict) else v


def bench_load():
    from django.conf import settings
    from django.db import connection

    from crpv.territories.operations import load_referentiel
    from crpv.territories.referentiel import read_referentiel

    parse_time, data = timed(read_referentiel, settings.REFERENTIEL_DIR)
    ours = []
    for _ in range(REPEATS):
        clear_tables()
        elapsed, _report = timed(load_referentiel, data=data)
        ours.append(elapsed)
    dumped = dump_tables()
    rows = sum(len(r) for _t, _c, r in dumped)
    bound = []
    for _ in range(REPEATS):
        clear_tables()
        connection.ensure_connection()
        elapsed, _ = timed(raw_bulk_insert, dumped)
        bound.append(elapsed)
    clear_tables()
    load_referentiel(data=data)  # leave the region loaded for the search benchmark
    print(f"  {rows} rows in {len(TABLES)} tables; reading and validating the files: {parse_time * 1000:.0f} ms")
    report(
        f"[{engine_name()}] load_referentiel, whole region (median of {REPEATS})",
        median(ours) * 1000,
        median(bound) * 1000,
        "ms",
        "target ≤ 3×",
    )
    report(
        f"[{engine_name()}] same, including reading the files",
        (median(ours) + parse_time) * 1000,
        median(bound) * 1000,
        "ms",
        "(information)",
    )


def raw_like(cursor, placeholder, words):
    for table in SEARCH_TABLES:
        condition = " AND ".join([f"search_key LIKE {placeholder}"] * len(words))
        cursor.execute(f"SELECT id, name FROM {table} WHERE {condition} LIMIT 50", [f"%{w}%" for w in words])  # noqa: S608
        cursor.fetchall()


def bench_search():
    from django.db import connection

    from crpv.core.text import fold
    from crpv.territories.search import search_territories

    for query in QUERIES:  # warm up (connection, URL resolver, statement caches)
        search_territories(query)
    ours, bound = [], []
    connection.ensure_connection()
    raw = connection.connection
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    cursor = raw.cursor()
    for _ in range(SEARCH_REPEATS):
        for query in QUERIES:
            elapsed, _results = timed(search_territories, query, limit=50)
            ours.append(elapsed)
            elapsed, _ = timed(raw_like, cursor, placeholder, fold(query).split())
            bound.append(elapsed)
    cursor.close()
    report(
        f"[{engine_name()}] search_territories p95 ({len(QUERIES)} queries × {SEARCH_REPEATS})",
        p95(ours) * 1000,
        p95(bound) * 1000,
        "ms",
        "target p95 ≤ 20 ms",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--engine",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("BENCH_ENGINE", "sqlite"),
        help="moteur de base de données (ou variable BENCH_ENGINE)",
    )
    args = parser.parse_args(argv)
    cleanup = prepare_database(args.engine)
    try:
        setup_django("config.settings.test")
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        bench_load()
        bench_search()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
