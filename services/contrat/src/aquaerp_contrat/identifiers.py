"""French company identifiers (SIREN, SIRET) and intra-EU VAT numbers: normalisation and checks.

Each check returns an error message, or None when the value is valid.
"""

from __future__ import annotations

import re

# La Poste's establishments share one SIREN; their SIRET keys follow a different rule.
LA_POSTE_SIREN = "356000000"

# Format of the part after the country prefix, per EU member state (and Northern Ireland).
VAT_FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}


def compact(value: str) -> str:
    """Upper case without spaces, dots or dashes (as people type them: "123 456 789")."""
    return re.sub(r"[\s.\-]", "", value).upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siren_error(siren: str) -> str | None:
    if not re.fullmatch(r"\d{9}", siren):
        return "a SIREN has 9 digits"
    if not luhn_valid(siren):
        return "invalid SIREN (check digit does not match)"
    return None


def siret_error(siret: str, siren: str) -> str | None:
    if not re.fullmatch(r"\d{14}", siret):
        return "a SIRET has 14 digits"
    if siren and not siret.startswith(siren):
        return "the SIRET must start with the SIREN"
    if siret.startswith(LA_POSTE_SIREN):
        valid = sum(int(c) for c in siret) % 5 == 0
    else:
        valid = luhn_valid(siret)
    return None if valid else "invalid SIRET (check digit does not match)"


def french_vat_key(siren: str) -> str:
    """The two-digit key of a French VAT number: (12 + 3 x (SIREN mod 97)) mod 97."""
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


def french_vat_number(siren: str) -> str:
    return f"FR{french_vat_key(siren)}{siren}"


def vat_number_error(vat_number: str, siren: str) -> str | None:
    """Format per country; for France also the key and that it belongs to `siren`."""
    country, body = vat_number[:2], vat_number[2:]
    pattern = VAT_FORMATS.get(country)
    if pattern is None:
        return "an intra-EU VAT number starts with an EU country code, e.g. FR"
    if not re.fullmatch(pattern, body):
        return f"invalid {country} VAT number format"
    if country == "FR":
        key, vat_siren = body[:2], body[2:]
        if not key.isdigit() or key != french_vat_key(vat_siren):
            return "invalid French VAT number (key does not match the SIREN)"
        if siren and vat_siren != siren:
            return "the VAT number does not belong to this SIREN"
    return None
