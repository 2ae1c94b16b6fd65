"""Contacts import: rows of a spreadsheet → Person, Organisation, Position.

Built on `crpv.core.imports`. The per-row checks (`clean_row`) need no
database; the checks that need the file so far or the base (duplicates,
suppression list, matching structures) run per batch against lookups loaded
once (`Lookups.load`), so the cost per row stays flat as the base grows.
Entry point: `crpv.contacts.operations.import_contacts`.

Memory stays flat as the file grows: the lookups describe the base as it was
when the import started and never grow with the rows of the file (only new
structures are added, a few per thousand rows); what must be remembered per
row of the file, for the in-file duplicate checks, is a 7-byte blake2b digest
and the line number, about 100 bytes per row instead of the strings.
"""

import datetime
import functools
import hashlib
from dataclasses import dataclass, field

from django.utils import timezone
from rapidfuzz import fuzz, process

from crpv.core.imports import Column
from crpv.core.imports.bulk import db_value, insert_rows
from crpv.core.text import fold
from crpv.territories.models import Commune, Epci

from .models import LegalBasis, Organisation, OrganisationKind, Person, Position, Role, SuppressionEntry
from .models.choices import ORGANISATION_KIND_ALIASES, ROLE_ALIASES
from .validators import (
    compact_number,
    email_fingerprint,
    is_valid_email,
    is_valid_siren,
    is_valid_siret,
    normalise_email,
    normalise_phone,
    normalise_postcode,
)

COLUMNS = [
    Column("last_name", "Nom", ("Nom de famille", "Nom d'usage"), required=True),
    Column("first_name", "Prénom"),
    Column(
        "email",
        "Courriel",
        (
            "E-mail",
            "Email",
            "Mail",
            "Mél",
            "Adresse mail",
            "Adresse e-mail",
            "Adresse email",
            "Adresse électronique",
            "Courriel professionnel",
        ),
    ),
    Column("phone", "Téléphone", ("Tél", "Tel", "Téléphone fixe", "Tél. fixe", "Tél fixe")),
    Column("mobile_phone", "Portable", ("Téléphone portable", "Tél. portable", "Mobile")),
    Column("function_title", "Fonction", ("Poste", "Intitulé de poste", "Intitulé du poste")),
    Column("role", "Rôle", ("Rôle politique de la ville",)),
    Column("organisation", "Structure", ("Organisme", "Organisation", "Employeur", "Nom de la structure")),
    Column("organisation_kind", "Type de structure", ("Type d'organisme", "Type de structure")),
    Column("siret", "SIRET", ("N° SIRET", "Numéro SIRET")),
    Column("siren", "SIREN", ("N° SIREN", "Numéro SIREN")),
    Column("address", "Adresse", ("Adresse postale",)),
    Column("postcode", "Code postal", ("CP",)),
    Column("commune", "Commune", ("Ville", "Code INSEE")),
    Column("start_date", "Date de début", ("Début", "Depuis", "En poste depuis")),
]

_ROLE_BY_FOLD = {fold(label): value for value, label in Role.choices} | {fold(v): v for v in Role.values}
_ROLE_BY_FOLD |= ROLE_ALIASES
_KIND_BY_FOLD = {fold(label): value for value, label in OrganisationKind.choices}
_KIND_BY_FOLD |= {fold(v): v for v in OrganisationKind.values} | ORGANISATION_KIND_ALIASES
_MAX = {"last_name": 150, "first_name": 150, "function_title": 250, "organisation": 250, "address": 300}
FUZZY_THRESHOLD = 88
PERSON_FIELDS = [
    "first_name",
    "last_name",
    "folded_name",
    "email",
    "phone",
    "mobile_phone",
    "function_title",
    "legal_basis",
    "source",
    "is_anonymised",
    "notes",
    "created_at",
    "updated_at",
]
POSITION_FIELDS = ["person", "organisation", "role", "start_date", "end_date", "created_at", "updated_at"]

# Structure and commune names repeat across rows: fold each one once.
_fold_repeated = functools.lru_cache(maxsize=16384)(fold)


def digest(*parts):
    """A 56-bit integer digest of text parts (a small int, 32 bytes in CPython).

    Collisions are about one in 10^17 per pair: for a 500 000-row file the
    chance of one false "duplicate" is below one in a hundred million.
    """
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=7).digest(), "big")


def _parse_date(value):
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def clean_row(values):
    """Check and normalise one row; return the cleaned dict or [(key, reason)]."""
    errors = []
    cleaned = dict(values)
    if not values.get("last_name"):
        errors.append(("last_name", "nom manquant"))
    for key, size in _MAX.items():
        if len(values.get(key, "")) > size:
            errors.append((key, f"texte trop long ({size} caractères au plus)"))
    email = values.get("email", "")
    if email:
        email = normalise_email(email)
        if not is_valid_email(email):
            errors.append(("email", "adresse électronique invalide"))
        cleaned["email"] = email
    for key in ("phone", "mobile_phone"):
        if values.get(key):
            phone = normalise_phone(values[key])
            if phone is None:
                errors.append((key, "numéro de téléphone invalide"))
            cleaned[key] = phone or ""
    siret = compact_number(values.get("siret", ""))
    if siret and not is_valid_siret(siret):
        errors.append(("siret", "SIRET invalide (14 chiffres avec une clé de contrôle)"))
    siren = compact_number(values.get("siren", "")) or siret[:9]
    if values.get("siren") and not is_valid_siren(siren):
        errors.append(("siren", "SIREN invalide (9 chiffres avec une clé de contrôle)"))
    elif siret and values.get("siren") and siret[:9] != siren:
        errors.append(("siren", "le SIREN ne correspond pas au début du SIRET"))
    cleaned["siret"], cleaned["siren"] = siret, siren
    if values.get("postcode"):
        postcode = normalise_postcode(values["postcode"])
        if postcode is None:
            errors.append(("postcode", "code postal invalide (5 chiffres attendus)"))
        cleaned["postcode"] = postcode or ""
    role = values.get("role", "")
    cleaned["role"] = Role.OTHER
    if role:
        cleaned["role"] = _ROLE_BY_FOLD.get(fold(role))
        if cleaned["role"] is None:
            errors.append(("role", "rôle inconnu (voir la liste des rôles de la base acteurs)"))
    kind = values.get("organisation_kind", "")
    cleaned["organisation_kind"] = OrganisationKind.OTHER
    if kind:
        cleaned["organisation_kind"] = _KIND_BY_FOLD.get(fold(kind))
        if cleaned["organisation_kind"] is None:
            errors.append(("organisation_kind", "type de structure inconnu"))
    if (siret or values.get("siren") or kind) and not values.get("organisation"):
        errors.append(("organisation", "nom de la structure manquant"))
    cleaned["start_date"] = None
    if values.get("start_date"):
        cleaned["start_date"] = _parse_date(values["start_date"])
        if cleaned["start_date"] is None:
            errors.append(("start_date", "date invalide (format attendu : jj/mm/aaaa)"))
    return errors or cleaned


@dataclass
class Lookups:
    """Everything the batch checks need from the base, loaded once."""

    existing: str = "update"
    source: str = ""
    person_by_email: dict = field(default_factory=dict)  # digest of the address → pk (the base)
    suppressed: set = field(default_factory=set)
    seen_emails: dict = field(default_factory=dict)  # digest → first line of the file
    seen_names: dict = field(default_factory=dict)  # digest of (structure key, name) → first line
    org_by_key: dict = field(default_factory=dict)
    names_by_org: dict = field(default_factory=dict)
    positions: set = field(default_factory=set)
    commune_by_code: dict = field(default_factory=dict)
    commune_by_postcode_name: dict = field(default_factory=dict)
    commune_by_name: dict = field(default_factory=dict)
    commune_by_postcode: dict = field(default_factory=dict)
    epci_by_siren: dict = field(default_factory=dict)
    merge_candidates: list = field(default_factory=list)

    @classmethod
    def load(cls, *, existing="update", source=""):
        lookups = cls(existing=existing, source=source)
        lookups.person_by_email = {
            digest(email): pk
            for email, pk in Person.objects.exclude(email="").values_list("email", "pk").iterator(5000)
        }
        lookups.suppressed = SuppressionEntry.objects.fingerprints()
        for pk, siret, siren, folded, commune_id, postcode in Organisation.objects.values_list(
            "pk", "siret", "siren", "folded_name", "commune_id", "postcode"
        ).iterator(5000):
            lookups.remember_org(pk, siret, siren, folded, commune_id, postcode)
        for org_id, person_id, folded in Position.objects.values_list(
            "organisation_id", "person_id", "person__folded_name"
        ).iterator(5000):
            lookups.names_by_org.setdefault(org_id, {})[folded] = person_id
        lookups.positions = set(Position.objects.values_list("person_id", "organisation_id", "role").iterator(5000))
        for pk, code, name, postcodes in Commune.objects.values_list("pk", "code", "name", "postal_codes"):
            folded = fold(name)
            lookups.commune_by_code[code] = pk
            lookups.commune_by_name[folded] = None if folded in lookups.commune_by_name else pk
            for postcode in postcodes or []:
                lookups.commune_by_postcode_name[(postcode, folded)] = pk
                lookups.commune_by_postcode.setdefault(postcode, set()).add(pk)
        lookups.epci_by_siren = dict(Epci.objects.values_list("code", "pk"))
        return lookups

    def remember_org(self, pk, siret, siren, folded, commune_id, postcode):
        if siret:
            self.org_by_key.setdefault(("siret", siret), pk)
        if siren:
            self.org_by_key.setdefault(("siren", siren), pk)
        self.org_by_key.setdefault(("name", folded, commune_id or postcode or ""), pk)

    def commune_for(self, cleaned):
        value, postcode = cleaned.get("commune", ""), cleaned.get("postcode", "")
        if value and value.upper() in self.commune_by_code:
            return self.commune_by_code[value.upper()]
        folded = _fold_repeated(value)
        if folded:
            return self.commune_by_postcode_name.get((postcode, folded)) or self.commune_by_name.get(folded)
        candidates = self.commune_by_postcode.get(postcode, ())
        return next(iter(candidates)) if len(candidates) == 1 else None

    def org_keys(self, cleaned, commune_id):
        keys = []
        if cleaned["siret"]:
            keys.append(("siret", cleaned["siret"]))
        if cleaned["siren"]:
            keys.append(("siren", cleaned["siren"]))
        keys.append(
            ("name", _fold_repeated(cleaned["organisation"])[:250], commune_id or cleaned.get("postcode") or "")
        )
        return keys


def make_batch_processor(lookups):
    """Return the `process_batch(rows, ctx)` function `run_import` calls."""

    def process_batch(rows, ctx):
        report = ctx.report
        planned = []  # (row, existing person id or None, org key or None, commune id)
        for row in rows:
            cleaned = row.cleaned
            email = cleaned.get("email", "")
            if email:
                if email_fingerprint(email) in lookups.suppressed:
                    ctx.notice(
                        row, "email", "adresse en liste d'exclusion (personne effacée ou opposée) : ligne ignorée"
                    )
                    report.count("ignorées (liste d'exclusion)")
                    continue
                email_digest = digest(email)
                first_line = lookups.seen_emails.setdefault(email_digest, row.line)
                if first_line != row.line:
                    ctx.reject(
                        row, "email", f"adresse électronique en double dans le fichier (déjà ligne {first_line})"
                    )
                    continue
            commune_id = lookups.commune_for(cleaned)
            if cleaned.get("commune") and commune_id is None:
                ctx.notice(row, "commune", "commune non trouvée dans le référentiel : laissée vide")
            org_keys = lookups.org_keys(cleaned, commune_id) if cleaned.get("organisation") else None
            folded_name = Person.fold_name(cleaned.get("first_name", ""), cleaned["last_name"])
            if not email:
                name_key = digest(*(org_keys[-1] if org_keys else ("",)), folded_name)
                first_line = lookups.seen_names.setdefault(name_key, row.line)
                if first_line != row.line:
                    ctx.reject(
                        row,
                        "last_name",
                        f"personne en double dans le fichier (même nom, même structure, ligne {first_line})",
                    )
                    continue
            person_id = lookups.person_by_email.get(email_digest) if email else None
            org_id = _find_org(lookups, org_keys)
            if person_id is None and org_id is not None:
                person_id = _match_by_name(lookups, row, ctx, org_id, folded_name, email)
            if person_id is not None and lookups.existing == "skip":
                ctx.notice(row, "email", "personne déjà dans la base : ligne ignorée")
                report.count("ignorées (déjà dans la base)")
                continue
            planned.append((row, person_id, org_keys, commune_id, folded_name))
        if ctx.write:
            _write(lookups, planned, report)

    return process_batch


def _find_org(lookups, keys):
    if not keys:
        return None
    for key in keys:
        pk = lookups.org_by_key.get(key)
        if pk is not None:
            return pk
    return None


def _match_by_name(lookups, row, ctx, org_id, folded_name, email):
    """Same folded name in the same structure: the same person; close: propose a merge."""
    names = lookups.names_by_org.get(org_id)
    if not names:
        return None
    if folded_name in names and not email:
        return names[folded_name]
    match = process.extractOne(folded_name, names.keys(), scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD)
    if match is not None:
        existing_id = names[match[0]]
        lookups.merge_candidates.append((row.line, existing_id, round(match[1])))
        ctx.notice(
            row,
            "last_name",
            f"nom proche d'une personne de la même structure (fiche n° {existing_id}) : fusion à examiner",
        )
    return None


def _write(lookups, planned, report):
    now = timezone.now()
    # 1. Structures not in the base yet, once per key.
    new_orgs = {}
    for row, _, org_keys, commune_id, _ in planned:
        if org_keys and _find_org(lookups, org_keys) is None and org_keys[0] not in new_orgs:
            cleaned = row.cleaned
            org = Organisation(
                name=cleaned["organisation"],
                folded_name=org_keys[-1][1],
                kind=cleaned["organisation_kind"],
                siren=cleaned["siren"],
                siret=cleaned["siret"],
                address=cleaned.get("address", ""),
                postcode=cleaned.get("postcode", ""),
                commune_id=commune_id,
                created_at=now,
                updated_at=now,
            )
            epci_ids, commune_ids = org.matching_territories(lookups.epci_by_siren)
            if epci_ids and org.kind == OrganisationKind.OTHER:
                org.kind = OrganisationKind.EPCI
            new_orgs[org_keys[0]] = (org, org_keys, epci_ids, commune_ids)
    if new_orgs:
        Organisation.objects.bulk_create([o for o, *_ in new_orgs.values()])
        epci_links, commune_links = [], []
        for org, keys, epci_ids, commune_ids in new_orgs.values():
            for key in keys:
                lookups.org_by_key.setdefault(key, org.pk)
            epci_links += [Organisation.epcis.through(organisation_id=org.pk, epci_id=e) for e in epci_ids]
            commune_links += [Organisation.communes.through(organisation_id=org.pk, commune_id=c) for c in commune_ids]
        Organisation.epcis.through.objects.bulk_create(epci_links)
        Organisation.communes.through.objects.bulk_create(commune_links)
        report.count("structures créées", len(new_orgs))
    # 2. People: create the new ones, complete the known ones.
    now_db = db_value(Person, "created_at", now)
    new_people, updates = [], {}
    for row, person_id, _, _, folded_name in planned:
        c = row.cleaned
        if person_id is None:
            new_people.append(
                (
                    c.get("first_name", ""),
                    c["last_name"],
                    folded_name,
                    c.get("email", ""),
                    c.get("phone", ""),
                    c.get("mobile_phone", ""),
                    c.get("function_title", ""),
                    LegalBasis.PUBLIC_TASK,
                    lookups.source,
                    False,
                    "",
                    now_db,
                    now_db,
                )
            )
        else:
            updates[person_id] = c
    new_ids = insert_rows(Person, PERSON_FIELDS, new_people, with_ids=True)
    if updates:
        changed = []
        for person in Person.objects.filter(pk__in=list(updates)):
            c = updates[person.pk]
            dirty = False
            for key in ("first_name", "phone", "mobile_phone", "function_title"):
                if c.get(key) and getattr(person, key) != c[key]:
                    setattr(person, key, c[key])
                    dirty = True
            if dirty:
                person.updated_at = now
                changed.append(person)
        Person.objects.bulk_update(
            changed, ["first_name", "phone", "mobile_phone", "function_title", "updated_at"], batch_size=1000
        )
        report.count("personnes mises à jour", len(changed))
        report.count("personnes déjà présentes", len(updates))
    report.count("personnes créées", len(new_people))
    # 3. Positions, once per (person, structure, role).
    # The lookups keep describing the base as it was: a person created here
    # appears once in the file (duplicates were rejected), so neither their
    # address nor their positions need remembering. Only the positions of
    # people already in the base are checked and remembered.
    created = iter(new_ids)
    positions = []
    for row, person_id, org_keys, _, _ in planned:
        known = person_id is not None
        if not known:
            person_id = next(created)
        if not org_keys:
            continue
        org_id = _find_org(lookups, org_keys)
        key = (person_id, org_id, row.cleaned["role"])
        if known:
            if key in lookups.positions:
                continue
            lookups.positions.add(key)
        start = row.cleaned["start_date"]
        positions.append(
            (
                person_id,
                org_id,
                row.cleaned["role"],
                db_value(Position, "start_date", start) if start else None,
                None,
                now_db,
                now_db,
            )
        )
    insert_rows(Position, POSITION_FIELDS, positions)
    report.count("postes créés", len(positions))
