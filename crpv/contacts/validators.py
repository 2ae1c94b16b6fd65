"""Identifiers and normalisation used by the base Acteurs."""

import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

_SPACES = re.compile(r"[\s.\-]+")
_email_validator = EmailValidator()


def compact_number(value):
    """Remove the spaces, dots and dashes people type in SIREN/SIRET/phones."""
    return _SPACES.sub("", value or "")


def validate_siren(value):
    if value and not stdnum_siren.is_valid(value):
        raise ValidationError("SIREN invalide (9 chiffres, clé de contrôle de Luhn).", code="invalid_siren")


def validate_siret(value):
    if value and not stdnum_siret.is_valid(value):
        raise ValidationError("SIRET invalide (14 chiffres, clé de contrôle de Luhn).", code="invalid_siret")


def is_valid_siren(value):
    return stdnum_siren.is_valid(value)


def is_valid_siret(value):
    return stdnum_siret.is_valid(value)


def normalise_email(value):
    """Strip and lower-case an address (the base treats addresses case-insensitively)."""
    return (value or "").strip().lower()


def is_valid_email(value):
    try:
        _email_validator(value)
    except ValidationError:
        return False
    return True


def email_fingerprint(value):
    """The sha256 kept on the suppression list instead of the address itself.

    The address is normalised (stripped, lower-cased) but not passed through
    `crpv.core.text.fold`, which turns punctuation into spaces and would make
    `jean.dupont@…` and `jean-dupont@…` one fingerprint.
    """
    return hashlib.sha256(normalise_email(value).encode("utf-8")).hexdigest()


def normalise_postcode(value):
    """'2100' (Excel dropped the zero) → '02100'; None when not a French postcode."""
    value = (value or "").strip()
    if value.endswith((".0", ",0")):
        value = value[:-2]  # a number cell turned into text
    value = compact_number(value)
    if len(value) == 4 and value.isdigit():
        value = "0" + value
    if len(value) == 5 and value.isdigit():
        return value
    return None


def normalise_phone(value):
    """Keep a French number as '03 20 00 00 00'; other numbers as typed.

    Returns None when the value cannot be a phone number.
    """
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"[^\d+]", "", raw)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if len(digits) == 9 and digits[0] in "123456789":
        digits = "0" + digits  # Excel dropped the leading zero
    if len(digits) == 10 and digits.isdigit() and digits[0] == "0":
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if digits.startswith("+") and 8 <= len(digits) <= 16 and digits[1:].isdigit():
        return raw
    return None
