"""Public agenda with 2 000 events (issue 4): p95 of the page against the raw SQL of one page.

Throwaway database (temp SQLite file, or `crpv_bench_agenda` on PostgreSQL):
2 000 published events, 1–4 sessions each over two years around today,
themes. Measures, through Django's test client (full middleware, template,
no page cache: the agenda is not cached, see ADR 0003), the p95 of the first
page, of a filtered page and of page 20; the bound is the same page's SQL
(count + page + prefetches) run directly through the DB-API, median.
Target: p95 ≤ 50 ms, and the query count of a page does not depend on the
number of events (tests/events/test_agenda.py checks that too).

The page is 5 queries (6 for past events: their documents): count, page
ids, the page's events, their sessions, their themes; the filters' choices
come from the cache (a minute, see `AgendaFilterForm.selects`), warmed by the
first requests. The count and the ids use EXISTS and correlated subqueries
on the (event, starts_at) session index (`--explain` prints the plans).

Before/after, 2 000 events, 100 runs, p95 (CPU of the process), load 1.8–2.1:
                     SQLite before     SQLite after      PostgreSQL before  PostgreSQL after
  page 1             31.6 ms (30.1)    15.9 ms (16.0)    34.8 ms (21.8)     18.4 ms (10.8)
  filtered           20.0 ms (18.8)    13.7 ms (13.7)    27.6 ms (22.2)     13.1 ms (10.3)
  page 20            33.3 ms (32.5)    20.4 ms (20.4)    38.9 ms (23.7)     18.9 ms (11.0)
  past, page 1       30.4 ms (30.4)    14.7 ms (14.7)    34.0 ms (22.9)     23.1 ms (12.4)
  queries            7 (8 past)        5 (6 past)        7 (8 past)         5 (6 past)
(Under a load average of 5–7 the same "before" page measured ~100 ms.)

Usage: python bench/bench_agenda.py [--engine sqlite|postgresql] [--events 2000] [--runs 200] [--explain]
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, median, p95, report  # noqa: E402

PG_DB = "crpv_bench_agenda"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the plans of the count and page queries")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="crpv-bench-agenda-")
    if args.engine == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/agenda.sqlite3"
    else:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_DB], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_DB], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SECURE_COOKIES="false",
        AXES_ENABLED="false",
        LOG_LEVEL="ERROR",
        CRPV_PUBLIC_CACHE_SECONDS="0",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crpv.contacts.models import Theme
    from crpv.events.models import Event, EventFormat, EventMode, Session

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(4)
        themes = list(Theme.objects.all())
        now = timezone.now()
        formats, modes = EventFormat.values, EventMode.values
        events = Event.objects.bulk_create(
            Event(
                title=f"Événement de démonstration n° {n}",
                slug=f"evenement-{n}",
                format=rng.choice(formats),
                mode=rng.choice(modes),
                status="publie",
                summary="Un événement du programme, pour mesurer l'agenda.",
                capacity=rng.choice([None, 30, 80]),
            )
            for n in range(args.events)
        )
        sessions = []
        for event in events:
            start = now + datetime.timedelta(days=rng.randint(-365, 365), hours=rng.randint(0, 10))
            for k in range(rng.randint(1, 4)):
                begins = start + datetime.timedelta(days=7 * k)
                sessions.append(Session(event=event, starts_at=begins, ends_at=begins + datetime.timedelta(hours=3)))
        Session.objects.bulk_create(sessions)
        through = Event.themes.through
        through.objects.bulk_create(
            through(event_id=e.pk, theme_id=t.pk) for e in events for t in rng.sample(themes, 2)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # planner statistics after the bulk load, as autovacuum would
        client = Client(HTTP_HOST="127.0.0.1")
        pages = [
            ("agenda, page 1", "/evenements/"),
            ("agenda filtré (format, modalité)", "/evenements/?format=webinaire&mode=distanciel"),
            ("agenda, page 20", "/evenements/?page=20"),
            ("événements passés, page 1", "/evenements/passes/"),
        ]
        print(f"# agenda public — {connection.vendor}, {args.events} événements, {len(sessions)} séances")
        for label, url in pages:
            for _ in range(10):
                assert client.get(url).status_code == 200
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            sql = [q["sql"] for q in ctx.captured_queries]
            times, cpu = [], []
            for _ in range(args.runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            bound, bound_cpu = [], []
            with connection.cursor() as cursor:
                for _ in range(max(20, args.runs // 4)):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    for statement in sql:
                        cursor.execute(statement)
                        cursor.fetchall()
                    bound.append((time.perf_counter() - start) * 1000)
                    bound_cpu.append((time.process_time() - start_cpu) * 1000)
            print(f"  charge {os.getloadavg()[0]:.2f}")
            if args.explain:
                # The count and the page's ids: both must go through the session index, not a
                # GROUP BY of every event row with its sessions.
                with connection.cursor() as cursor:
                    for statement in sql[:2]:
                        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
                        cursor.execute(prefix + statement)
                        plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
                        print("  plan :", statement[:60], "…\n    " + "\n    ".join(plan))
            report(f"p95 {label} ({len(sql)} requêtes)", p95(times), median(bound), "ms", "cible ≤ 50 ms")
            # CPU time of this process: less sensitive to other work on a shared machine
            # (on PostgreSQL it leaves out the server's own time).
            report("  même page, temps CPU du processus", p95(cpu), median(bound_cpu), "ms")
    finally:
        connection.close()
        if args.engine == "postgresql":
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_DB], check=False)


if __name__ == "__main__":
    sys.exit(main())
