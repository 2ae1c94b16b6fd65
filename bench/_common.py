"""Shared helpers for the benchmarks in bench/ (run by `make bench`).

Each benchmark prints, for one figure: our measurement, the engine's lower
bound measured in the same run, their ratio, and the target the issue set.
Benchmarks are never timed assertions in the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(settings="config.settings.dev"):
    """Configure Django for a benchmark script run on its own."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def p95(samples):
    samples = sorted(samples)
    return samples[max(0, int(round(0.95 * len(samples))) - 1)]


def median(samples):
    return statistics.median(samples)


def report(figure, ours, bound, unit, target=""):
    """Print one line: figure, ours, bound, ratio (ours / bound), target."""
    ratio = ours / bound if bound else float("inf")
    print(f"{figure:<58} ours {ours:>10.2f} {unit:<6} bound {bound:>10.2f} {unit:<6} ratio {ratio:>6.2f}  {target}")
    sys.stdout.flush()
    return ratio


def engine_name():
    from django.db import connection

    return connection.vendor
