"""gunicorn settings for production, also used by the benchmarks.

    gunicorn -c config/gunicorn.conf.py config.wsgi:application

Synchronous workers (one request at a time per process: no GIL contention
between threads), their number following the database (measured by
bench/bench_registration.py, 500 registrations at once on 2 cores):

- SQLite: two per core. Writers queue on SQLite's lock anyway.
- PostgreSQL: three per core, so that some run while others wait on the event
  row's lock or the network. Threaded workers (gthread, 2 × 8 or 2 × 4
  threads) reached 86–167/s against 200–205/s for 4–8 sync workers: the GIL
  hand-offs cost CPU.

Every value can be overridden from the command line or with the usual
variables (`WEB_CONCURRENCY` for the number of workers, `GUNICORN_CMD_ARGS`).
"""

import multiprocessing
import os

_database_url = os.environ.get("DATABASE_URL", "")
_postgresql = _database_url.startswith(("postgres://", "postgresql://", "pgsql://"))
_cores = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", (3 if _postgresql else 2) * _cores))
threads = 1
# A burst of registrations queues in the kernel rather than being refused.
backlog = 2048
# Requests above this are cut off (uploads have their own limits in Django).
timeout = 60
graceful_timeout = 30
# Recycle workers now and then (memory held by large imports is given back).
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
