"""Run every benchmark in bench/ on SQLite, then on PostgreSQL when reachable.

`make bench` calls this. Each line printed: the figure, our measurement, the
engine's bound measured in the same run, the ratio, and the issue's target.
`--only NAME` runs the benchmarks whose file name contains NAME.
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Benchmarks run more than once, with these extra arguments each time.
VARIANTS = {"bench_marc_import.py": [[], ["--shape", "research"]]}


def postgres_reachable():
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    if "postgresql" in engines and not postgres_reachable():
        print("PostgreSQL injoignable sur 127.0.0.1:5432 : mesures sur SQLite seulement.")
        engines = ["sqlite"]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        if args.only not in script.name:
            continue
        for engine in engines:
            for extra in VARIANTS.get(script.name, [[]]):
                label = " ".join([script.name, "—", engine, *extra])
                print(f"\n## {label}", flush=True)
                command = [sys.executable, str(script), "--engine", engine, *extra]
                result = subprocess.run(command, cwd=HERE.parent, check=False)
                if result.returncode:
                    failed.append(label)
    if failed:
        sys.exit(f"Échec : {', '.join(failed)}")


if __name__ == "__main__":
    main()
