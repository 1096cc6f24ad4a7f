"""What a column of an imported file can fill, and the column mappings shipped with the product:
a generic spreadsheet (French headers), Odoo's contact export and Dolibarr's third-party export.

A mapping is a list of (file column header, field key). Applied to a file, a preset maps the
columns whose header it knows (case and accents as written by the tool); a header that is
itself a field key ("customer.name") maps to that field whatever the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

# Field key -> French label. One row of a file is one customer (created or updated by its
# external reference) and, optionally, one of its sites, one installation on that site and one
# draft contract with one line and one maintenance plan for that site.
FIELDS: dict[str, str] = {
    "customer.external_ref": "Client : référence externe",
    "customer.code": "Client : code",
    "customer.type": "Client : type (particulier / professionnel)",
    "customer.name": "Client : nom",
    "customer.legal_form": "Client : forme juridique",
    "customer.siren": "Client : SIREN",
    "customer.siret": "Client : SIRET",
    "customer.vat_number": "Client : n° de TVA",
    "customer.address": "Client : adresse",
    "customer.address2": "Client : complément d'adresse",
    "customer.postal_code": "Client : code postal",
    "customer.city": "Client : ville",
    "customer.country": "Client : pays",
    "customer.email": "Client : e-mail de facturation",
    "customer.phone": "Client : téléphone",
    "customer.contact_name": "Client : contact de facturation",
    "customer.notes": "Client : notes",
    "site.name": "Site : nom",
    "site.address": "Site : adresse",
    "site.postal_code": "Site : code postal",
    "site.city": "Site : ville",
    "site.access_notes": "Site : consignes d'accès",
    "site.gate_code": "Site : code du portail",
    "installation.type": "Installation : type (piscine / spa / traitement)",
    "installation.name": "Installation : nom",
    "installation.volume_m3": "Installation : volume (m³)",
    "contract.external_ref": "Contrat : référence externe",
    "contract.start_date": "Contrat : date de début",
    "contract.end_date": "Contrat : date de fin",
    "contract.frequency": "Contrat : périodicité de facturation",
    "contract.timing": "Contrat : facturation (à échoir / à terme échu)",
    "contract.payment_days": "Contrat : délai de paiement (jours)",
    "contract.tacit_renewal": "Contrat : tacite reconduction (oui / non)",
    "contract.notice_days": "Contrat : préavis (jours)",
    "contract.product_code": "Contrat : code article",
    "contract.label": "Contrat : libellé de la ligne",
    "contract.quantity": "Contrat : quantité",
    "contract.unit_price": "Contrat : prix unitaire HT (€)",
    "contract.vat_rate": "Contrat : taux de TVA (%)",
    "contract.plan_rrule": "Contrat : rythme des passages (RRULE)",
    "contract.visit_minutes": "Contrat : durée d'un passage (minutes)",
}


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    headers: dict[str, str]  # header as the tool writes it -> field key


GENERIC = Preset(
    "preset:generic",
    "Tableur (modèle AquaERP)",
    {
        "Référence client": "customer.external_ref",
        "Code client": "customer.code",
        "Type": "customer.type",
        "Nom": "customer.name",
        "Forme juridique": "customer.legal_form",
        "SIREN": "customer.siren",
        "SIRET": "customer.siret",
        "N° TVA": "customer.vat_number",
        "Adresse": "customer.address",
        "Complément d'adresse": "customer.address2",
        "Code postal": "customer.postal_code",
        "Ville": "customer.city",
        "Pays": "customer.country",
        "E-mail": "customer.email",
        "Téléphone": "customer.phone",
        "Contact": "customer.contact_name",
        "Notes": "customer.notes",
        "Site": "site.name",
        "Adresse du site": "site.address",
        "Code postal du site": "site.postal_code",
        "Ville du site": "site.city",
        "Consignes d'accès": "site.access_notes",
        "Code portail": "site.gate_code",
        "Installation": "installation.name",
        "Type d'installation": "installation.type",
        "Volume (m³)": "installation.volume_m3",
        "Référence contrat": "contract.external_ref",
        "Début": "contract.start_date",
        "Fin": "contract.end_date",
        "Périodicité": "contract.frequency",
        "Facturation": "contract.timing",
        "Délai de paiement": "contract.payment_days",
        "Tacite reconduction": "contract.tacit_renewal",
        "Préavis (jours)": "contract.notice_days",
        "Code article": "contract.product_code",
        "Libellé": "contract.label",
        "Quantité": "contract.quantity",
        "Prix unitaire HT": "contract.unit_price",
        "TVA (%)": "contract.vat_rate",
        "Passages (RRULE)": "contract.plan_rrule",
        "Durée de passage (min)": "contract.visit_minutes",
    },
)

# Odoo, Contacts > export (res.partner). "Import-compatible" exports write the technical field
# names; the external id ("id", e.g. "__export__.res_partner_42_1a2b3c4d") is stable, so it is
# the external reference, and the internal reference ("ref") becomes the customer code.
ODOO = Preset(
    "preset:odoo",
    "Export Odoo (contacts)",
    {
        "id": "customer.external_ref",
        "ref": "customer.code",
        "name": "customer.name",
        "company_type": "customer.type",
        "street": "customer.address",
        "street2": "customer.address2",
        "zip": "customer.postal_code",
        "city": "customer.city",
        "country_id": "customer.country",
        "country_code": "customer.country",
        "email": "customer.email",
        "phone": "customer.phone",
        "vat": "customer.vat_number",
        "siret": "customer.siret",
        "company_registry": "customer.siren",
        "comment": "customer.notes",
        # The same export with the labels of a French Odoo ("I want to update data" unticked).
        "ID externe": "customer.external_ref",
        "Référence": "customer.code",
        "Nom": "customer.name",
        "Type de société": "customer.type",
        "Rue": "customer.address",
        "Rue 2": "customer.address2",
        "Code postal": "customer.postal_code",
        "Ville": "customer.city",
        "Pays": "customer.country",
        "Courriel": "customer.email",
        "Téléphone": "customer.phone",
        "N° TVA": "customer.vat_number",
    },
)

# Dolibarr, Tools > Exports > "Third-parties (companies/foundations/physical people) and
# properties" (module societe): the columns are named after the SQL fields.
DOLIBARR = Preset(
    "preset:dolibarr",
    "Export Dolibarr (tiers)",
    {
        "s.rowid": "customer.external_ref",
        "s.code_client": "customer.code",
        "s.nom": "customer.name",
        "t.libelle": "customer.type",
        "cfj.libelle": "customer.legal_form",
        "s.address": "customer.address",
        "s.zip": "customer.postal_code",
        "s.town": "customer.city",
        "c.code": "customer.country",
        "s.email": "customer.email",
        "s.phone": "customer.phone",
        "s.siren": "customer.siren",
        "s.siret": "customer.siret",
        "s.tva_intra": "customer.vat_number",
        "s.note_private": "customer.notes",
    },
)

PRESETS: dict[str, Preset] = {p.name: p for p in (GENERIC, ODOO, DOLIBARR)}


def preset_columns(preset: Preset, headers: list[str] | None = None) -> list[tuple[str, str]]:
    """The preset as (column, field) pairs: for a file, only the headers it has."""
    if headers is None:
        return list(preset.headers.items())
    return [(h, preset.headers[h]) for h in headers if h in preset.headers]


def with_field_keys(columns: list[tuple[str, str]], headers: list[str]) -> list[tuple[str, str]]:
    """The mapping plus the headers that are field keys themselves and are not mapped yet."""
    mapped = {column for column, _ in columns}
    return columns + [(h, h) for h in headers if h in FIELDS and h not in mapped]


def mapping_errors(columns: list[tuple[str, str]]) -> dict[str, str]:
    """Field paths ("columns.2.field") of a mapping that cannot be used."""
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for index, (column, field) in enumerate(columns):
        if not column.strip():
            errors[f"columns.{index}.column"] = "required"
        if field and field not in FIELDS:
            errors[f"columns.{index}.field"] = "unknown field"
        elif field and field in seen:
            errors[f"columns.{index}.field"] = "the same field twice"
        if field:
            seen[field] = index
    return errors
