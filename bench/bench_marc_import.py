"""UNIMARC import: records per second end to end, against pymarc alone reading the same file.

Generates ~20 000 synthetic UTF-8 UNIMARC records (100$a "50  ", authors,
subjects, copies), then measures:
- bound: pymarc's MARCReader (force_utf8=True) iterating over the file;
- ours: parse (structure, charset, UNIMARC mapping, checks) + duplicate
  detection + writing everything (records, authors, subjects, copies, links)
  in one transaction with its audit entry.
Target (issue 5): ≥ 3 000 records/s end to end.

Usage: python bench/bench_marc_import.py [--engine sqlite|postgresql] [--records 20000]
Works on a throwaway database: a temp SQLite file, or `crpv_bench_marc` on
PostgreSQL (created, then dropped).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, report  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "crpv_bench_marc"


def synthetic_file(n):
    from crpv.catalogue.formats import unimarc
    from crpv.catalogue.formats.base import ParsedAuthor, ParsedCopy, ParsedLink, ParsedRecord

    subjects = ["Discrimination", "Contrat de ville", "Laïcité", "Mobilité durable", "Cité éducative", "Jeunesse"]
    chunks = []
    for i in range(n):
        p = ParsedRecord(
            source_id=f"BENCH{i:06d}",
            title=f"Les quartiers prioritaires et la ville, étude n° {i}",
            title_nonsort=4,
            subtitle="éléments de diagnostic",
            responsibility="sous la direction de Jeanne Dupont",
            authors=[
                ParsedAuthor(name=f"Auteur{i % 3000}", forename="Élise"),
                ParsedAuthor(name="Centre de ressources", is_organisation=True),
            ],
            publisher="IREV",
            place="Lille",
            year=1990 + i % 35,
            extent="120 p.",
            series="Les cahiers",
            language="fre",
            abstract="Synthèse des travaux menés avec les pilotes des contrats de ville. " * 3,
            subjects=[subjects[i % len(subjects)], subjects[(i + 1) % len(subjects)]],
            keywords=["Hauts-de-France"],
            links=[ParsedLink(url=f"https://irev.example/doc/{i}")],
            copies=[ParsedCopy(barcode=f"IREV{i:07d}", call_number=f"PV {i}", location="salle")],
        )
        chunks.append(unimarc.write_one(p))
    return b"".join(chunks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="crpv-bench-marc-")
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
        import pymarc

        from crpv.catalogue import formats
        from crpv.catalogue.models import Copy, Record
        from crpv.catalogue.operations import import_records

        data = synthetic_file(args.records)
        print(f"{args.records} notices UNIMARC synthétiques, {len(data) / 1e6:.1f} Mo, moteur {args.engine}")

        start = time.perf_counter()
        count = sum(1 for _ in pymarc.MARCReader(data, force_utf8=True))
        bound_seconds = time.perf_counter() - start
        assert count == args.records

        start = time.perf_counter()
        parsed = formats.parse(data, "unimarc")
        parse_seconds = time.perf_counter() - start
        result = import_records(parsed=parsed, acting_user=None, filename="bench.mrc")
        total_seconds = time.perf_counter() - start
        assert result.written and len(result.created) == args.records, result.summary
        assert Record.objects.count() == args.records and Copy.objects.count() == args.records

        n = args.records
        report("UNIMARC: parse only (ours vs pymarc reader)", n / parse_seconds, n / bound_seconds, "rec/s")
        report(
            "UNIMARC import end to end (vs pymarc reader)",
            n / total_seconds,
            n / bound_seconds,
            "rec/s",
            "target ≥ 3000 rec/s",
        )
        # Second run of the same file: every record is a duplicate, nothing is written.
        start = time.perf_counter()
        again = import_records(parsed=formats.parse(data, "unimarc"), acting_user=None, dry_run=True)
        dup_seconds = time.perf_counter() - start
        assert len(again.duplicates) == n
        report("UNIMARC preview of a re-import (all duplicates)", n / dup_seconds, n / bound_seconds, "rec/s")
    finally:
        from django.db import connections

        connections.close_all()
        if args.engine == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


if __name__ == "__main__":
    main()
