"""OAI-PMH ListRecords: one page of 100 records, against the raw SQL query fetching the same rows.

Builds a throwaway catalogue of 20 000 records (authors, subjects, a copy and a
link each), then walks ListRecords (oai_dc, then marcxml) page by page through
the Django test client, following resumption tokens, and times each page.
- bound: the bare SQL selecting the same 101 rows (one page after a cursor on
  (updated_at, pk), asked in the provider's two index ranges), through a raw cursor;
- ours: the whole request (token check, the page's keys, its rows and their relations
  as plain values, XML); p95 and median over the pages.
Target (issue 5): ListRecords page of 100 records ≤ 100 ms (p95).

Usage: python bench/bench_oai.py [--engine sqlite|postgresql] [--records 20000] [--pages 50]
Works on a throwaway database: a temp SQLite file, or `crpv_bench_oai` on
PostgreSQL (created, then dropped).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, p95, report  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "crpv_bench_oai"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="crpv-bench-oai-")
    if args.engine == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        call_command("load_thesaurus", verbosity=0)
        from bench_marc_import import synthetic_file
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from lxml import etree

        from crpv.catalogue import formats
        from crpv.catalogue.models import Record
        from crpv.catalogue.operations import import_records

        settings.ALLOWED_HOSTS = ["*"]
        settings.CRPV_OAI_PAGE_SIZE = 100
        report_ = import_records(parsed=formats.parse(synthetic_file(args.records), "unimarc"), acting_user=None)
        assert report_.written, report_.summary
        Record.objects.update(origin=Record.Origin.LOCAL, themes=["Mobilité"])
        print(f"{Record.objects.count()} notices, moteur {args.engine}")

        client = Client()
        oai = "{http://www.openarchives.org/OAI/2.0/}"
        table = connection.ops.quote_name(Record._meta.db_table)
        for prefix in ("oai_dc", "marcxml"):
            samples, bounds = [], []
            params = {"verb": "ListRecords", "metadataPrefix": prefix}
            after = None
            for _ in range(args.pages):
                start = time.perf_counter()
                response = client.get("/oai", params)
                samples.append(time.perf_counter() - start)
                root = etree.fromstring(response.content)
                records = root.findall(f".//{oai}record")
                assert len(records) == 100, response.content[:500]
                # Bound: the same 101 rows, bare SQL, asked as the provider asks (see `page_keys`):
                # the rest of the cursor's datestamp by id, then the later datestamps.
                with connection.cursor() as cursor:
                    start = time.perf_counter()
                    if after is None:
                        cursor.execute(f"SELECT MIN(updated_at) FROM {table} WHERE visibility = %s", ["public"])  # noqa: S608
                        moment, pk = cursor.fetchone()[0], 0
                    else:
                        # As the ORM passes it (SQLite compares the stored text).
                        moment, pk = connection.ops.adapt_datetimefield_value(after[0]), after[1]
                    cursor.execute(
                        f"SELECT * FROM {table} WHERE visibility = %s AND updated_at = %s AND id > %s "  # noqa: S608
                        "ORDER BY id LIMIT 101",
                        ["public", moment, pk],
                    )
                    rows = cursor.fetchall()
                    if len(rows) < 101:
                        cursor.execute(
                            f"SELECT * FROM {table} WHERE visibility = %s AND updated_at > %s "  # noqa: S608
                            "ORDER BY updated_at, id LIMIT %s",
                            ["public", moment, 101 - len(rows)],
                        )
                        rows += cursor.fetchall()
                    bounds.append(time.perf_counter() - start)
                last = Record.objects.filter(
                    pk=int(records[-1].findtext(f"{oai}header/{oai}identifier").rsplit(":")[-1])
                )
                after = last.values_list("updated_at", "pk").get()
                assert len(rows) == 101
                token = root.find(f".//{oai}resumptionToken")
                params = {"verb": "ListRecords", "resumptionToken": token.text}
            report(
                f"OAI ListRecords {prefix}, page of 100 (p95, {args.pages} pages)",
                p95(samples) * 1000,
                p95(bounds) * 1000,
                "ms",
                "target ≤ 100 ms",
            )
            report(
                f"OAI ListRecords {prefix}, page of 100 (median)",
                median(samples) * 1000,
                median(bounds) * 1000,
                "ms",
            )
    finally:
        from django.db import connections

        connections.close_all()
        if args.engine == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


if __name__ == "__main__":
    main()
