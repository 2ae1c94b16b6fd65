"""Read and validate the territorial reference data, without touching the database.

Everything the loader writes is first read here into plain data
(`ReferentielData`), every row validated. Any problem raises `ReferentielError`,
whose French message names the file, the line and the column, so the write
(`operations.load_referentiel`) never starts on bad input.

Sources:
- communes, EPCI, départements, région: the vendored extract of the npm package
  `@etalab/decoupage-administratif` (`crpv/territories/data/`, sha256 checked);
- from `REFERENTIEL_DIR`: `qpv2024_hdf.csv`, `contrats_de_ville_hdf.csv`,
  `npnru_hdf_partial.csv`, `cites_educatives_hdf_partial.csv`;
- or, for the QPV, the official data.gouv.fr file `listeqp2024-cog2024.csv`
  (detected by its header).
"""

import csv
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

from crpv.core.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
MANIFEST = DATA_DIR / "manifest.json"

QPV_FILE = "qpv2024_hdf.csv"
CONTRATS_FILE = "contrats_de_ville_hdf.csv"
NPNRU_FILE = "npnru_hdf_partial.csv"
CITES_FILE = "cites_educatives_hdf_partial.csv"

SHARED_QPV_COLUMNS = ["code_qp", "lib_qp", "insee_dep", "insee_com", "siren_epci", "code_cv"]
OFFICIAL_QPV_COLUMNS = [
    "code_qp",
    "lib_qp",
    "insee_reg",
    "lib_reg",
    "insee_dep",
    "lib_dep",
    "insee_com",
    "lib_com",
    "siren_epci",
    "lib_epci",
]
CONTRAT_COLUMNS = ["code_cv", "lib_cv", "insee_dep", "porteur_code", "porteur_type"]
NPNRU_COLUMNS = ["interet", "commune", "quartier"]
CITES_COLUMNS = ["vague", "libelle_source", "departement"]

QPV_CODE = re.compile(r"^QN\d{5}[A-Z]$")
CONTRAT_CODE = re.compile(r"^CN\d{5}[A-Z]$")
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
SIREN = re.compile(r"^\d{9}$")
LIST_SEPARATORS = re.compile(r"[\s,;|]+")
EPCI_LABEL = re.compile(r"^(CA|CC|CU|ME|Métropole|Communauté)\b", re.IGNORECASE)

QPV_FORMATS = {"official": "format officiel data.gouv.fr", "shared": "format ANCT dérivé"}
DEFAULT_REVIEW_NOTE = "QPV à cheval sur deux EPCI : contrat de ville à vérifier."


class ReferentielError(Exception):
    """Invalid or missing input; `errors` are French messages (file, line, column)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(self.message)

    @property
    def message(self):
        shown = self.errors[:20]
        more = len(self.errors) - len(shown)
        text = "\n".join(shown)
        if more > 0:
            text += f"\n… et {more} autre(s) erreur(s)."
        return text


def location(file_name, line, column):
    return f"{file_name}, ligne {line}, colonne « {column} »"


@dataclass
class Source:
    """What a `DataSource` row will hold."""

    key: str
    name: str
    producer: str
    vintage: str
    url: str
    row_count: int
    checksum: str
    notes: str = ""
    licence: str = "Licence Ouverte 2.0"


@dataclass
class ReferentielData:
    cog_year: int
    region: dict
    departements: list = field(default_factory=list)
    epcis: list = field(default_factory=list)
    communes: list = field(default_factory=list)
    contrats: list = field(default_factory=list)
    qpvs: list = field(default_factory=list)
    projets: list = field(default_factory=list)
    cites: list = field(default_factory=list)
    sources: list = field(default_factory=list)


# --- COG extract -------------------------------------------------------------


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_cog_extract(data_dir=DATA_DIR):
    """The vendored extract, after checking its sha256 against the manifest."""
    manifest_path = Path(data_dir) / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
        path = Path(data_dir) / manifest["file"]
        digest = sha256_file(path)
    except FileNotFoundError as exc:
        raise ReferentielError([f"Fichier introuvable : {exc.filename}"]) from exc
    except (ValueError, KeyError) as exc:
        raise ReferentielError([f"{manifest_path.name} : manifeste illisible ({exc})."]) from exc
    if digest != manifest["sha256"]:
        raise ReferentielError(
            [
                f"{path.name} : l'empreinte SHA-256 ne correspond pas au manifeste "
                f"({digest} au lieu de {manifest['sha256']}). Régénérez-le avec "
                "scripts/vendor_decoupage_administratif.py."
            ]
        )
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        extract = json.load(fh)
    return manifest, extract


# --- CSV reading --------------------------------------------------------------


def _open_text(path):
    path = Path(path)
    if not path.is_file():
        raise ReferentielError([f"Fichier introuvable : {path}"])
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferentielError(
            [f"{path.name} : le fichier n'est pas encodé en UTF-8 ({exc.reason}, octet {exc.start})."]
        ) from exc


def read_csv(path, required, *, delimiter=None):
    """Yield (line number, row dict) after the `#` comments and the header.

    Returns (header, rows, comments, delimiter). The delimiter is `;` or `,`,
    guessed from the header line unless given.
    """
    path = Path(path)
    text = _open_text(path)
    lines = text.splitlines()
    comments = []
    numbered = []
    for number, line in enumerate(lines, start=1):
        if not numbered and line.startswith("#"):
            comments.append(line.lstrip("# ").strip())
            continue
        if not numbered and not line.strip():
            continue
        numbered.append((number, line))
    if not numbered:
        raise ReferentielError([f"{path.name} : fichier vide (aucune ligne d'en-tête)."])
    header_line_number, header_line = numbered[0]
    if delimiter is None:
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","

    current = {"line": header_line_number}

    def source():
        for number, line in numbered:
            current["line"] = number
            yield line

    reader = csv.reader(source(), delimiter=delimiter, quotechar='"', strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise ReferentielError([f"{path.name}, ligne {current['line']} : en-tête illisible ({exc})."]) from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise ReferentielError(
            [
                f"{location(path.name, header_line_number, c)} : colonne manquante dans l'en-tête "
                f"(séparateur « {delimiter} »)."
                for c in missing
            ]
        )
    rows = []
    errors = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"{path.name}, ligne {current['line']} : ligne illisible ({exc}).")
            break
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(
                f"{location(path.name, current['line'], header[min(len(values), len(header)) - 1])} : "
                f"{len(values)} champs au lieu de {len(header)}."
            )
            continue
        rows.append((current["line"], {h: v.strip() for h, v in zip(header, values, strict=True)}))
    if errors:
        raise ReferentielError(errors)
    return header, rows, comments, delimiter


def split_list(value):
    return [v for v in LIST_SEPARATORS.split(value) if v]


# --- The whole referentiel ---------------------------------------------------------


class _Reader:
    """Reads every file, collecting errors instead of stopping at the first."""

    def __init__(self, manifest, extract):
        self.errors = []
        self.manifest = manifest
        self.extract = extract
        self.region_code = extract["region"]["code"]
        self.departements = {d["code"] for d in extract["departements"]}
        self.communes = {c["code"]: c for c in extract["communes"]}
        self.former = {old: c["code"] for c in extract["communes"] for old in c["former_codes"]}
        self.epcis = {e["code"]: e for e in extract["epcis"]}
        self.epci_of = {m: e["code"] for e in extract["epcis"] for m in e["members"]}
        self.communes_by_name = {}
        for c in extract["communes"]:
            self.communes_by_name.setdefault(fold(c["name"]), []).append(c)
        self.contrats = {}

    def error(self, file_name, line, column, message):
        self.errors.append(f"{location(file_name, line, column)} : {message}")

    def resolve_commune(self, code):
        """Current (COG of the extract) code for a code of this or an older vintage."""
        if code in self.communes:
            return code
        return self.former.get(code)

    # -- COG --
    def cog_rows(self):
        cog_year = self.extract["cog_year"]
        region = {"code": self.region_code, "name": self.extract["region"]["name"], "cog_year": cog_year}
        departements = [
            {"code": d["code"], "name": d["name"], "cog_year": cog_year} for d in self.extract["departements"]
        ]
        epcis = [
            {
                "code": e["code"],
                "name": e["name"],
                "kind": e["kind"],
                "population": e["population"],
                "cog_year": cog_year,
                "departements": [d for d in e["departements"] if d in self.departements],
            }
            for e in self.extract["epcis"]
        ]
        communes = [
            {
                "code": c["code"],
                "name": c["name"],
                "departement": c["departement"],
                "epci": self.epci_of.get(c["code"]),
                "postal_codes": c["postal_codes"],
                "former_codes": c["former_codes"],
                "population": c["population"],
                "cog_year": cog_year,
            }
            for c in self.extract["communes"]
        ]
        return region, departements, epcis, communes

    # -- contrats de ville --
    def read_contrats(self, path):
        header, rows, comments, _ = read_csv(path, CONTRAT_COLUMNS)
        name = Path(path).name
        contrats = []
        for line, row in rows:
            code = row["code_cv"]
            if not CONTRAT_CODE.match(code):
                self.error(
                    name,
                    line,
                    "code_cv",
                    f"code de contrat de ville invalide « {code} » (attendu CN + 5 chiffres + lettre).",
                )
                continue
            if code in self.contrats:
                self.error(name, line, "code_cv", f"le contrat {code} apparaît deux fois.")
                continue
            if not row["lib_cv"]:
                self.error(name, line, "lib_cv", "libellé vide.")
            if row["insee_dep"] not in self.departements:
                self.error(name, line, "insee_dep", f"département « {row['insee_dep']} » hors de la région.")
            kind = row["porteur_type"].lower()
            carrier = row["porteur_code"]
            contrat = {
                "code": code,
                "name": row["lib_cv"],
                "departement": row["insee_dep"],
                "carrier_epci": None,
                "carrier_commune": None,
                "declared_qpv_count": None,
            }
            if kind == "epci":
                if carrier not in self.epcis:
                    self.error(name, line, "porteur_code", f"EPCI porteur « {carrier} » inconnu du COG.")
                contrat["carrier_epci"] = carrier
            elif kind == "commune":
                current = self.resolve_commune(carrier)
                if current is None:
                    self.error(name, line, "porteur_code", f"commune porteuse « {carrier} » inconnue du COG.")
                contrat["carrier_commune"] = current
            else:
                self.error(
                    name, line, "porteur_type", f"type de porteur « {row['porteur_type']} » (attendu EPCI ou commune)."
                )
            count = row.get("nb_qpv", "")
            if count:
                if count.isdigit():
                    contrat["declared_qpv_count"] = int(count)
                else:
                    self.error(name, line, "nb_qpv", f"nombre attendu, « {count} » trouvé.")
            self.contrats[code] = contrat
            contrats.append(contrat)
        return contrats, comments

    # -- QPV --
    def read_qpvs(self, path):
        text = _open_text(path)
        first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
        if "insee_reg" in first:
            return self.read_official_qpvs(path)
        return self.read_shared_qpvs(path)

    def _qpv_common(self, name, line, row, seen):
        code = row["code_qp"]
        ok = True
        if not QPV_CODE.match(code):
            self.error(name, line, "code_qp", f"code de QPV invalide « {code} » (attendu QN + 5 chiffres + lettre).")
            ok = False
        elif code in seen:
            self.error(name, line, "code_qp", f"le QPV {code} apparaît deux fois.")
            ok = False
        seen.add(code)
        if not row["lib_qp"]:
            self.error(name, line, "lib_qp", "libellé vide.")
            ok = False
        if row["insee_dep"] not in self.departements:
            self.error(name, line, "insee_dep", f"département « {row['insee_dep']} » hors de la région.")
            ok = False
        communes = []
        codes = split_list(row["insee_com"])
        if not codes:
            self.error(name, line, "insee_com", "aucune commune.")
            ok = False
        for value in codes:
            if not COMMUNE_CODE.match(value):
                self.error(name, line, "insee_com", f"code INSEE de commune invalide « {value} ».")
                ok = False
                continue
            current = self.resolve_commune(value)
            if current is None:
                self.error(name, line, "insee_com", f"commune « {value} » inconnue du COG {self.extract['cog_year']}.")
                ok = False
            elif current not in communes:
                communes.append(current)
        sirens = split_list(row["siren_epci"])
        for value in sirens:
            if not SIREN.match(value):
                self.error(name, line, "siren_epci", f"SIREN invalide « {value} » (9 chiffres attendus).")
                ok = False
        epcis = sorted(
            {self.epci_of[c] for c in communes if c in self.epci_of} | {s for s in sirens if s in self.epcis}
        )
        qpv = {
            "code": code,
            "name": row["lib_qp"],
            "departement": row["insee_dep"],
            "communes": communes,
            "epcis": epcis,
            "contrat_de_ville": None,
            "candidate_contrats": [],
            "contrat_source": "fichier",
            "needs_review": False,
            "review_note": "",
        }
        return qpv, sirens, ok

    def read_shared_qpvs(self, path):
        header, rows, comments, _ = read_csv(path, SHARED_QPV_COLUMNS)
        name = Path(path).name
        qpvs, seen = [], set()
        for line, row in rows:
            qpv, _sirens, ok = self._qpv_common(name, line, row, seen)
            codes = split_list(row["code_cv"])
            unknown = [c for c in codes if c not in self.contrats]
            if unknown:
                self.error(name, line, "code_cv", f"contrat de ville inconnu : {', '.join(unknown)}.")
                continue
            if not codes:
                self.error(name, line, "code_cv", "aucun contrat de ville.")
                continue
            if len(codes) == 1:
                qpv["contrat_de_ville"] = codes[0]
            else:
                qpv["candidate_contrats"] = codes
                qpv["needs_review"] = True
                qpv["review_note"] = (row.get("note") or DEFAULT_REVIEW_NOTE)[:300]
            if ok:
                qpvs.append(qpv)
        return qpvs, comments, "shared"

    def read_official_qpvs(self, path):
        header, rows, comments, _ = read_csv(path, OFFICIAL_QPV_COLUMNS)
        name = Path(path).name
        by_epci, by_commune = {}, {}
        for contrat in self.contrats.values():
            if contrat["carrier_epci"]:
                by_epci.setdefault(contrat["carrier_epci"], []).append(contrat["code"])
            if contrat["carrier_commune"]:
                by_commune.setdefault(contrat["carrier_commune"], []).append(contrat["code"])
        qpvs, seen = [], set()
        for line, row in rows:
            if row["insee_reg"] != self.region_code:
                continue
            qpv, sirens, ok = self._qpv_common(name, line, row, seen)
            if not ok:
                continue
            communal = sorted({c for com in qpv["communes"] for c in by_commune.get(com, [])})
            official = sorted({c for s in sirens for c in by_epci.get(s, [])})
            derived = sorted({c for e in qpv["epcis"] for c in by_epci.get(e, [])})
            if len(communal) == 1:
                qpv["contrat_de_ville"] = communal[0]
            elif len(official) == 1:
                qpv["contrat_de_ville"] = official[0]
                if len(derived) > 1:
                    qpv["contrat_source"] = "officiel"
                    qpv["candidate_contrats"] = derived
            elif len(derived) == 1:
                qpv["contrat_de_ville"] = derived[0]
            else:
                qpv["candidate_contrats"] = communal or official or derived
                qpv["needs_review"] = True
                qpv["review_note"] = (
                    DEFAULT_REVIEW_NOTE if qpv["candidate_contrats"] else "Aucun contrat de ville trouvé pour ce QPV."
                )
            qpvs.append(qpv)
        if not qpvs and not self.errors:
            self.error(name, rows[-1][0] if rows else 1, "insee_reg", f"aucun QPV de la région {self.region_code}.")
        return qpvs, comments, "official"

    # -- partial lists (NPNRU, cités éducatives) --
    def match_communes(self, label, departement=None):
        """Communes named in a free label ("Maubeuge;Louvroil", "Douai-Waziers", "Lille (Lille Sud)")."""
        found = []
        if EPCI_LABEL.match(label):
            return found  # "CA du Douaisis", "CU d'Arras": an EPCI, not communes

        def lookup(text):
            candidates = self.communes_by_name.get(fold(text), [])
            if departement:
                candidates = [c for c in candidates if c["departement"] == departement]
            return candidates[0]["code"] if len(candidates) == 1 else None

        label = re.sub(r"\(.*?\)", "", label)
        for part in re.split(r"[;/]", label):
            part = part.strip()
            if not part:
                continue
            code = lookup(part)
            if code:
                found.append(code)
                continue
            # "Douai-Waziers", "Hautmont-Louvroil-Maubeuge-Neuf-Mesnil": longest hyphenated names first.
            tokens = part.split("-")
            i = 0
            while i < len(tokens):
                for j in range(len(tokens), i, -1):
                    code = lookup("-".join(tokens[i:j]))
                    if code:
                        found.append(code)
                        i = j
                        break
                else:
                    # "Amiens Sud": the longest leading words that name a commune.
                    words = tokens[i].split()
                    for k in range(len(words) - 1, 0, -1):
                        code = lookup(" ".join(words[:k]))
                        if code:
                            found.append(code)
                            break
                    i += 1
        return list(dict.fromkeys(found))

    def read_projets(self, path):
        header, rows, comments, _ = read_csv(path, NPNRU_COLUMNS)
        name = Path(path).name
        projets, slugs = [], set()
        for line, row in rows:
            if row["interet"] not in ("national", "regional"):
                self.error(name, line, "interet", f"« {row['interet']} » (attendu national ou regional).")
                continue
            if not row["quartier"]:
                self.error(name, line, "quartier", "nom du quartier vide.")
                continue
            if not row["commune"]:
                self.error(name, line, "commune", "commune ou EPCI vide.")
                continue
            title = f"{row['commune'].replace(';', ', ')} — {row['quartier']}"
            slug = slugify(title)[:120]
            if slug in slugs:
                self.error(name, line, "quartier", f"le projet « {title} » apparaît deux fois.")
                continue
            slugs.add(slug)
            communes = self.match_communes(row["commune"])
            projets.append(
                {
                    "slug": slug,
                    "name": title[:250],
                    "interest": row["interet"],
                    "territory_label": row["commune"][:200],
                    "departement": self.communes[communes[0]]["departement"] if communes else None,
                    "communes": communes,
                    "source": f"{name} (liste partielle)",
                }
            )
        return projets, comments

    def read_cites(self, path):
        header, rows, comments, _ = read_csv(path, CITES_COLUMNS)
        name = Path(path).name
        cites, names = [], set()
        for line, row in rows:
            label = row["libelle_source"]
            if not label:
                self.error(name, line, "libelle_source", "libellé vide.")
                continue
            if label in names:
                self.error(name, line, "libelle_source", f"la cité éducative « {label} » apparaît deux fois.")
                continue
            names.add(label)
            vague = row["vague"]
            year = None
            if vague and vague != "?":
                if vague.isdigit() and 2019 <= int(vague) <= 2100:
                    year = int(vague)
                else:
                    self.error(name, line, "vague", f"année attendue (ou « ? »), « {vague} » trouvé.")
                    continue
            if row["departement"] not in self.departements:
                self.error(name, line, "departement", f"département « {row['departement']} » hors de la région.")
                continue
            cites.append(
                {
                    "slug": slugify(label)[:120],
                    "name": label,
                    "anct_id": row.get("id_cite_anct_si_vu", "")[:20],
                    "label_year": year,
                    "departement": row["departement"],
                    "communes": self.match_communes(label, row["departement"]),
                    "source": f"{name} (liste partielle)",
                }
            )
        return cites, comments


def read_referentiel(referentiel_dir, *, qpv_file=None, data_dir=DATA_DIR):
    """Read and validate everything; raise `ReferentielError` listing every problem."""
    referentiel_dir = Path(referentiel_dir)
    manifest, extract = read_cog_extract(data_dir)
    reader = _Reader(manifest, extract)
    region, departements, epcis, communes = reader.cog_rows()

    paths = {
        "contrats": referentiel_dir / CONTRATS_FILE,
        "qpv": Path(qpv_file) if qpv_file else referentiel_dir / QPV_FILE,
        "npnru": referentiel_dir / NPNRU_FILE,
        "cites": referentiel_dir / CITES_FILE,
    }
    missing = [f"Fichier introuvable : {p}" for p in paths.values() if not p.is_file()]
    if missing:
        raise ReferentielError(missing)

    contrats, contrat_comments = reader.read_contrats(paths["contrats"])
    qpvs, qpv_comments, qpv_format = reader.read_qpvs(paths["qpv"])
    projets, npnru_comments = reader.read_projets(paths["npnru"])
    cites, cites_comments = reader.read_cites(paths["cites"])
    if reader.errors:
        raise ReferentielError(reader.errors)

    cog_year = extract["cog_year"]
    sources = [
        Source(
            key="decoupage-administratif",
            name="Découpage administratif : région, départements, EPCI, communes",
            producer="Etalab (DINUM), d'après le Code officiel géographique de l'INSEE et la BANATIC",
            vintage=f"COG {cog_year} (paquet npm {manifest['package']} {manifest['version']})",
            url="https://github.com/etalab/decoupage-administratif",
            row_count=1 + len(departements) + len(epcis) + len(communes),
            checksum=manifest["sha256"],
            notes=f"Extrait de la région {region['code']} ; archive npm {manifest['tarball']['integrity']}.",
        ),
        Source(
            key="qpv-2024",
            name="Quartiers prioritaires de la politique de la ville (géographie 2024)",
            producer="ANCT",
            vintage="1er janvier 2024 (décret n° 2023-1314), COG 2024",
            url="https://www.data.gouv.fr/fr/datasets/quartiers-prioritaires-de-la-politique-de-la-ville-qpv/",
            row_count=len(qpvs),
            checksum=sha256_file(paths["qpv"]),
            notes=" ".join(
                [
                    f"Fichier {paths['qpv'].name} ({QPV_FORMATS[qpv_format]}).",
                    *qpv_comments,
                ]
            )[:2000],
        ),
        Source(
            key="contrats-de-ville-2024",
            name="Contrats de ville « Quartiers 2030 »",
            producer="ANCT (application Ci.Ville)",
            vintage="2024",
            url="https://github.com/anct-carto/ci-ville2",
            row_count=len(contrats),
            checksum=sha256_file(paths["contrats"]),
            notes=" ".join(contrat_comments)[:2000],
        ),
        Source(
            key="npnru",
            name="Projets du nouveau programme national de renouvellement urbain (NPNRU), liste partielle",
            producer="ANRU, Région et préfecture du Nord (pages publiques transcrites)",
            vintage="2014-2015",
            url="https://www.anru.fr/",
            row_count=len(projets),
            checksum=sha256_file(paths["npnru"]),
            notes=" ".join(npnru_comments)[:2000],
        ),
        Source(
            key="cites-educatives",
            name="Cités éducatives, liste partielle",
            producer="ANCT, préfecture de région Hauts-de-France",
            vintage="labels 2019 et 2021",
            url="https://www.data.gouv.fr/fr/datasets/programme-cites-educatives/",
            row_count=len(cites),
            checksum=sha256_file(paths["cites"]),
            notes=" ".join(cites_comments)[:2000],
        ),
    ]
    return ReferentielData(
        cog_year=cog_year,
        region=region,
        departements=departements,
        epcis=epcis,
        communes=communes,
        contrats=contrats,
        qpvs=qpvs,
        projets=projets,
        cites=cites,
        sources=sources,
    )
