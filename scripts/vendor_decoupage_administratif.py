#!/usr/bin/env python3
"""Vendor the Hauts-de-France extract of `@etalab/decoupage-administratif`.

    scripts/vendor_decoupage_administratif.py --version 6.0.0   # regenerate
    scripts/vendor_decoupage_administratif.py --check           # verify the vendored file

Regenerating runs `npm pack` in a temporary directory (the only network access,
to the npm registry), keeps the region's région, départements, current communes
and the EPCI with at least one member in the region, and writes
`crpv/territories/data/decoupage-administratif-<region>.json.gz` (deterministic
gzip) plus `manifest.json` (package version, tarball integrity, sha256 of the
extract, counts). Nothing is fetched at run time or install time: the loader
reads the vendored file and checks its sha256 against the manifest.
"""

import argparse
import gzip
import hashlib
import io
import json
import subprocess  # noqa: S404
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "crpv" / "territories" / "data"
PACKAGE = "@etalab/decoupage-administratif"
# COG vintage of each package version (see the package's changelog).
COG_YEARS = {"6.0.0": 2026, "5.2.0": 2025, "4.1.0": 2024}


def extract_path(region):
    return DATA_DIR / f"decoupage-administratif-{region}.json.gz"


def manifest_path():
    return DATA_DIR / "manifest.json"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def npm_pack(version, workdir):
    """Download the tarball with npm; return (tarball path, integrity, shasum)."""
    out = subprocess.run(  # noqa: S603
        ["npm", "pack", f"{PACKAGE}@{version}", "--json", "--silent"],  # noqa: S607
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    return Path(workdir) / info["filename"], info["integrity"], info["shasum"]


def read_package_json(tarball, name):
    with tarfile.open(tarball, "r:gz") as tar:
        return json.load(tar.extractfile(f"package/data/{name}"))


def build_extract(tarball, region, version):
    regions = read_package_json(tarball, "regions.json")
    departements = read_package_json(tarball, "departements.json")
    communes = read_package_json(tarball, "communes.json")
    epcis = read_package_json(tarball, "epci.json")

    reg = next(r for r in regions if r["code"] == region)
    deps = sorted(
        ({"code": d["code"], "name": d["nom"]} for d in departements if d.get("region") == region),
        key=lambda d: d["code"],
    )
    current = {c["code"]: c for c in communes if c.get("region") == region and c.get("type") == "commune-actuelle"}
    out_communes = [
        {
            "code": c["code"],
            "name": c["nom"],
            "departement": c["departement"],
            "postal_codes": sorted(c.get("codesPostaux", [])),
            "population": c.get("population"),
            "former_codes": sorted(c.get("anciensCodes", [])),
        }
        for c in sorted(current.values(), key=lambda c: c["code"])
    ]
    out_epcis = []
    for e in sorted(epcis, key=lambda e: e["code"]):
        members = sorted(m["code"] for m in e["membres"] if m["code"] in current)
        if not members:
            continue
        out_epcis.append(
            {
                "code": e["code"],
                "name": e["nom"],
                "kind": e.get("type", ""),
                "population": e.get("populationTotale"),
                "members": members,
                # Every département of the EPCI, including those outside the region.
                "departements": sorted(
                    {m["code"][:3] if m["code"][:2] == "97" else m["code"][:2] for m in e["membres"]}
                ),
            }
        )
    return {
        "package": PACKAGE,
        "version": version,
        "cog_year": COG_YEARS.get(version),
        "licence": "Licence Ouverte 2.0 (données), MIT (code)",
        "region": {"code": reg["code"], "name": reg["nom"]},
        "departements": deps,
        "epcis": out_epcis,
        "communes": out_communes,
    }


def write_gzip_json(path, payload):
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    buf = io.BytesIO()
    # mtime=0 and no file name: the same input gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    path.write_bytes(buf.getvalue())


def vendor(version, region):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tarball, integrity, shasum = npm_pack(version, tmp)
        extract = build_extract(tarball, region, version)
    target = extract_path(region)
    write_gzip_json(target, extract)
    manifest = {
        "package": PACKAGE,
        "version": version,
        "cog_year": extract["cog_year"],
        "tarball": {"integrity": integrity, "shasum": shasum},
        "region": region,
        "file": target.name,
        "sha256": sha256(target),
        "counts": {
            "departements": len(extract["departements"]),
            "communes": len(extract["communes"]),
            "epcis": len(extract["epcis"]),
        },
        "regenerate": f"scripts/vendor_decoupage_administratif.py --version {version} --region {region}",
    }
    manifest_path().write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    print(f"{target.relative_to(ROOT)} : {manifest['counts']} sha256={manifest['sha256']}")


def check():
    manifest = json.loads(manifest_path().read_text())
    target = DATA_DIR / manifest["file"]
    actual = sha256(target)
    if actual != manifest["sha256"]:
        print(f"ERREUR : {target.name} ne correspond pas au manifeste ({actual} ≠ {manifest['sha256']}).")
        return 1
    print(f"{target.name} conforme au manifeste ({manifest['package']}@{manifest['version']}, sha256 {actual}).")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", help="version du paquet npm, par exemple 6.0.0")
    parser.add_argument("--region", default="32", help="code INSEE de la région (32 par défaut)")
    parser.add_argument("--check", action="store_true", help="vérifier le fichier vendu contre le manifeste")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    if not args.version:
        parser.error("--version ou --check est requis")
    vendor(args.version, args.region)
    return 0


if __name__ == "__main__":
    sys.exit(main())
