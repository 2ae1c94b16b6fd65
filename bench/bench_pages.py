"""Public pages: p95 latency and throughput against a hello-world Django view.

Issue 2 figures: home and a contrat de ville page p95 ≤ 50 ms; throughput
≥ 40 % of a hello-world Django view served by the same server (gunicorn,
same worker count), both measured in this run. Public pages are served from
the cache (docs/adr/0003); the p95 of a full render, cache off, is printed too.

Usage: python bench/bench_pages.py [--engine sqlite|postgresql] [--workers 2]
Works on a throwaway database (temp SQLite file or `crpv_bench_pages`).
"""

import argparse
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, p95, report  # noqa: E402

PY = sys.executable
PG_URL = "postgres://postgres@127.0.0.1:5432/crpv_bench_pages"


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_for(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def serve(app, port, env, workers):
    return subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def latencies(port, path, n=300):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    samples = []
    for _ in range(20):  # warm-up
        conn.request("GET", path)
        conn.getresponse().read()
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, (path, response.status)
    return samples


def throughput(port, path, seconds=6, connections=8):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors while loading {path}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk est requis : apt-get install wrk")

    tmp = tempfile.mkdtemp(prefix="crpv-bench-pages-")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "false", "LOG_LEVEL": "ERROR"}
    if args.engine == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "crpv_bench_pages"], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "crpv_bench_pages"], check=True)
        env["DATABASE_URL"] = PG_URL
    manage(env, "migrate", "--noinput")
    manage(env, "load_referentiel")

    code = subprocess.run(
        [
            PY,
            "-c",
            "import django; django.setup(); from crpv.territories.models import ContratDeVille as C;"
            "from django.urls import reverse; c = C.objects.annotate(n=__import__('django').db.models.Count('qpvs'))"
            ".order_by('-n').first(); print(c.get_absolute_url())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pages = {"accueil": "/", "contrat de ville (le plus de QPV)": code}

    crpv_server = serve("config.wsgi:application", 8801, env, args.workers)
    # The same application with the public-page cache off: every request renders.
    uncached_server = serve("config.wsgi:application", 8803, {**env, "CRPV_PUBLIC_CACHE_SECONDS": "0"}, args.workers)
    hello_env = {**env, "PYTHONPATH": str(ROOT / "bench")}
    hello_server = serve("hello_wsgi:application", 8802, hello_env, args.workers)
    try:
        wait_for(8801)
        wait_for(8802)
        wait_for(8803)
        hello_lat = p95(latencies(8802, "/"))
        hello_rps = throughput(8802, "/")
        print(f"# pages publiques — {args.engine}, gunicorn sync -w {args.workers}, wrk -t2 -c8")
        for label, path in pages.items():
            lat = p95(latencies(8801, path))
            report(f"p95 {label} ({args.engine})", lat, hello_lat, "ms", "cible p95 ≤ 50 ms")
            cold = p95(latencies(8803, path, n=150))
            report(f"p95 {label}, sans cache ({args.engine})", cold, hello_lat, "ms", "cible p95 ≤ 50 ms")
            rps = throughput(8801, path)
            # Ratio printed as hello/ours so that "ratio" reads as a cost, like the others.
            report(
                f"débit {label} ({args.engine}) [hello/ours]",
                hello_rps / rps,
                1.0,
                "x",
                f"ours {rps:.0f} req/s, hello {hello_rps:.0f} req/s = {100 * rps / hello_rps:.0f} %, cible ≥ 40 %",
            )
    finally:
        for server in (crpv_server, hello_server, uncached_server):
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        if args.engine == "postgresql":
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "crpv_bench_pages"], check=False
            )


if __name__ == "__main__":
    main()
