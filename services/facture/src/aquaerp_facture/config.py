"""Facture service settings (env prefix FACTURE_), including the seller identity printed on
every invoice.

The seller identity is checked when the settings are loaded, by the same rules the document
engine applies to every invoice (SIREN/SIRET Luhn keys, VAT key, IBAN checksum, BIC, ...): a
wrong value stops the service at start with the environment variable to fix, instead of failing
on the first invoice. The defaults describe a fictitious company whose identifiers are valid, so
that the local stack works out of the box; production sets every FACTURE_SELLER_* value.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property
from importlib import resources
from pathlib import Path

from aquaerp_runtime.settings import ServiceSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from .documents import (
    Address,
    Buyer,
    Document,
    DocumentType,
    InvalidDocument,
    Line,
    Logo,
    OperationCategory,
    Seller,
    Unit,
)
from .documents.fonts import DEFAULT_FONT_DIR

DEFAULT_LOGO = str(resources.files("aquaerp_facture") / "assets" / "logo.svg")
LOGO_MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
MAX_LOGO_BYTES = 200_000

# Seller field path (as the engine reports it) -> environment variable to fix.
_SELLER_FIELDS = {
    "seller.name": "seller_name",
    "seller.legal_form": "seller_legal_form",
    "seller.share_capital_cents": "seller_share_capital_cents",
    "seller.address.line1": "seller_address_line1",
    "seller.address.postal_code": "seller_postal_code",
    "seller.address.city": "seller_city",
    "seller.address.country_code": "seller_country_code",
    "seller.siren": "seller_siren",
    "seller.siret": "seller_siret",
    "seller.rcs_city": "seller_rcs_city",
    "seller.vat_number": "seller_vat_number",
    "seller.iban": "seller_iban",
    "seller.bic": "seller_bic",
    "seller.late_penalty_rate": "late_penalty_rate",
    "seller.early_payment_terms": "early_payment_terms",
    "seller.logo.media_type": "seller_logo_path",
}


class FactureSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FACTURE_", extra="ignore")

    # -- seller identity (CGI ann. II art. 242 nonies A, C. com. L441-9) ----------------------
    seller_name: str = "Aqua Démo Piscines"
    seller_legal_form: str = "SAS"
    seller_share_capital_cents: int = 1_000_000
    seller_address_line1: str = "10 avenue de la Mer"
    seller_address_line2: str = ""
    seller_postal_code: str = "34000"
    seller_city: str = "Montpellier"
    seller_country_code: str = "FR"
    seller_siren: str = "412345670"
    seller_siret: str = "41234567000019"
    # Printed as the registry mention, e.g. "RCS Montpellier".
    seller_rcs_city: str = "RCS Montpellier"
    seller_vat_number: str = "FR96412345670"
    seller_iban: str = "FR7699999000010001234567809"
    seller_bic: str = "AQDMFRPP"
    seller_bank_name: str = "Banque de démonstration"
    seller_email: str = "compta@aqua-demo.example"
    seller_phone: str = "04 67 00 00 00"
    seller_website: str = ""
    # PNG, JPEG or SVG printed on documents; empty for none.
    seller_logo_path: str = DEFAULT_LOGO
    # Yearly late-penalty rate in percent, printed and used for the interest claimed by dunning.
    late_penalty_rate: Decimal = Decimal("12.5")
    early_payment_terms: str = "Pas d'escompte pour paiement anticipé."
    # "Option pour le paiement de la taxe d'après les débits" is printed when true.
    vat_on_debits: bool = False

    # -- invoicing ------------------------------------------------------------------------------
    # Payment terms of manual invoices when the draft gives none.
    default_payment_days: int = 30
    # Corrective interventions: labour price per hour and VAT rates of labour and parts.
    labour_hourly_rate_cents: int = 6500
    labour_vat_rate: Decimal = Decimal("20")
    parts_vat_rate: Decimal = Decimal("20")
    # Wording printed on 0 % contract lines (e.g. an exemption article); such lines fail to be
    # billed while it is empty.
    zero_rate_exemption_reason: str = ""
    # Invoices of completed interventions wait as drafts in the office's review queue unless
    # this is true (for companies whose technicians bill from a trusted price list).
    auto_issue_intervention_invoices: bool = False

    # -- rendering and billing runs -------------------------------------------------------------
    # PDF rendering processes (one per core is right; rendering is CPU-bound).
    render_processes: int = Field(default=2, ge=1, le=32)
    font_dir: Path = DEFAULT_FONT_DIR
    # Documents issued (and rendered together) per transaction in billing runs.
    billing_batch_size: int = Field(default=24, ge=1, le=500)
    # Contracts asked from the contrat service per call when planning a run.
    billing_page_size: int = Field(default=500, ge=1, le=2000)
    # A running billing run whose worker has been silent this long is resumed by another one.
    billing_stale_after_seconds: float = 60.0
    # How often a replica looks for runs other replicas are working, to work their batches
    # too (0: only the runs it started or took over).
    billing_join_interval_seconds: float = Field(default=2.0, ge=0)

    # -- dunning --------------------------------------------------------------------------------
    # Days past due at which each level is reached.
    dunning_reminder_days: int = Field(default=7, ge=1)
    dunning_formal_notice_days: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _check_seller(self) -> FactureSettings:
        if self.dunning_formal_notice_days <= self.dunning_reminder_days:
            raise ValueError(
                "FACTURE_DUNNING_FORMAL_NOTICE_DAYS must be greater than"
                " FACTURE_DUNNING_REMINDER_DAYS"
            )
        if not 0 <= self.default_payment_days <= 60:
            raise ValueError("FACTURE_DEFAULT_PAYMENT_DAYS must be between 0 and 60 (L441-10)")
        problems = seller_problems(self)
        if problems:
            raise ValueError(
                "invalid seller identity: "
                + "; ".join(f"FACTURE_{name.upper()}: {why}" for name, why in problems.items())
            )
        return self

    @cached_property
    def seller(self) -> Seller:
        """The seller as printed on every document."""
        return Seller(
            name=self.seller_name,
            legal_form=self.seller_legal_form,
            share_capital_cents=self.seller_share_capital_cents,
            address=Address(
                line1=self.seller_address_line1,
                line2=self.seller_address_line2 or None,
                postal_code=self.seller_postal_code,
                city=self.seller_city,
                country_code=self.seller_country_code,
            ),
            siren=self.seller_siren,
            siret=self.seller_siret,
            rcs_city=self.seller_rcs_city,
            vat_number=self.seller_vat_number,
            iban=self.seller_iban,
            bic=self.seller_bic,
            bank_name=self.seller_bank_name or None,
            email=self.seller_email or None,
            phone=self.seller_phone or None,
            website=self.seller_website or None,
            late_penalty_rate=self.late_penalty_rate,
            early_payment_terms=self.early_payment_terms,
            vat_on_debits=self.vat_on_debits,
            logo=_load_logo(self.seller_logo_path),
        )


def _load_logo(path_text: str) -> Logo | None:
    if not path_text:
        return None
    path = Path(path_text)
    media_type = LOGO_MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise ValueError("must be a .png, .jpg or .svg file")
    if not path.is_file():
        raise ValueError(f"{path} does not exist")
    content = path.read_bytes()
    if len(content) > MAX_LOGO_BYTES:
        raise ValueError(f"is larger than {MAX_LOGO_BYTES // 1000} KB (it travels with each PDF)")
    return Logo(content, media_type)


def seller_problems(settings: FactureSettings) -> dict[str, str]:
    """Settings name -> what is wrong, checked by building a sample document with the seller."""
    try:
        seller = settings.seller
    except ValueError as error:
        return {"seller_logo_path": str(error)}
    probe_address = Address("1 rue de l'Exemple", "34000", "Montpellier")
    try:
        Document(
            type=DocumentType.INVOICE,
            number="CHECK",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            seller=seller,
            buyer=Buyer("Client", probe_address, is_business=False),
            lines=(Line("Contrôle", Decimal(1), Unit.PIECE, 100, Decimal(20)),),
            operation_category=OperationCategory.SERVICES,
        )
    except InvalidDocument as error:
        return {
            _SELLER_FIELDS.get(path, path.replace(".", "_")): why
            for path, why in error.fields.items()
        }
    return {}
