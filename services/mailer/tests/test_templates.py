"""Every template renders (HTML and text) from its sample data; a missing variable is an error."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from aquaerp_mailer.calendar import Appointment, fold, invitation
from aquaerp_mailer.config import CompanyBranding
from aquaerp_mailer.formatting import date_fr, euros, percent_fr, time_fr
from aquaerp_mailer.service import add_months
from aquaerp_mailer.templates import TemplateCatalog
from aquaerp_runtime.errors import InvalidArgument, NotFound

BRANDING = CompanyBranding(
    name="Piscines Azur",
    address="3 quai du Port, 13002 Marseille",
    phone="04 91 00 00 00",
    email="contact@piscines-azur.fr",
    logo_url="https://piscines-azur.fr/logo.png",
    legal_footer="SARL au capital de 8 000 € · RCS Marseille 987 654 321",
    iban="FR76 1111 2222 3333 4444 5555 666",
    bic="AZURFRPP",
)
CATALOG = TemplateCatalog(BRANDING)
EXPECTED = {
    "invoice_issued",
    "payment_reminder",
    "formal_notice",
    "appointment_notice",
    "appointment_change",
    "intervention_report",
    "contract_renewal_notice",
    "password_reset",
    "mfa_enrolment",
    "season_opening",
    "stop_not_done",
    "logbook_alert",
}
# Variables a template uses only when given (`is defined`).
OPTIONAL = {
    "appointment_change": {"previous_start", "reason"},
    "contract_renewal_notice": {"contract_label", "renewal_term", "renewal_price_cents"},
    "intervention_report": {
        "readings",
        "water_balance",
        "products",
        "checklist",
        "technician_note",
        "next_visit_date",
        "customer_signer_name",
    },
}


def test_the_catalog_ships_every_message_type() -> None:
    assert {t.name for t in CATALOG.templates()} == EXPECTED


def test_only_offers_are_marketing() -> None:
    marketing = {t.name for t in CATALOG.templates() if t.category == "marketing"}
    assert marketing == {"season_opening"}
    assert {t.category for t in CATALOG.templates()} == {"marketing", "service"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_template_renders_html_and_text_with_its_sample(name: str) -> None:
    rendered = CATALOG.preview(name)
    assert rendered.subject and "\n" not in rendered.subject
    for body in (rendered.html, rendered.text):
        assert "{{" not in body and "{%" not in body
        assert BRANDING.name in body and BRANDING.phone in body and BRANDING.legal_footer in body
    assert rendered.html.startswith("<!DOCTYPE html>") and 'lang="fr"' in rendered.html
    assert BRANDING.logo_url in rendered.html
    assert "<" not in rendered.text.replace("<=", "")
    sample = CATALOG.info(name).sample
    # Every sample text shows up as given (dates, amounts and rates are formatted).
    for key, value in sample.items():
        if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}|^[\d.]+$", value):
            assert value in rendered.text, f"{key} missing from the text of {name}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_missing_variable_is_an_error(name: str) -> None:
    sample = CATALOG.info(name).sample
    for key in sample:
        if key in OPTIONAL.get(name, set()):
            continue
        variables = {k: v for k, v in sample.items() if k != key}
        with pytest.raises(InvalidArgument) as error:
            CATALOG.render(name, variables)
        assert key in error.value.message
        assert "variables" in error.value.fields


def test_optional_variables_may_be_left_out() -> None:
    sample = dict(CATALOG.info("appointment_change").sample)
    del sample["previous_start"], sample["reason"]
    rendered = CATALOG.render("appointment_change", sample)
    assert "Motif" not in rendered.text and "DÉPLACÉ" in rendered.text
    # What the standard renewal workflow passes: the contract number and the customer's name.
    renewal = {"customer_name": "M. Paul Lefèvre", "contract_number": "C-2026-0117"}
    dates = {"renewal_date": "2027-06-01", "refusal_deadline": "2027-05-31"}
    text = CATALOG.render("contract_renewal_notice", {**renewal, **dates}).text
    assert "contrat d'entretien n° C-2026-0117 arrive" in text
    assert "reconduit tacitement le 1er juin 2027." in text


def test_html_is_escaped_and_text_is_not() -> None:
    sample = {
        **CATALOG.info("intervention_report").sample,
        "summary": "pH < 7 & <script>alert(1)</script>",
    }
    rendered = CATALOG.render("intervention_report", sample)
    assert "<script>" not in rendered.html
    assert "pH &lt; 7 &amp; &lt;script&gt;" in rendered.html
    assert "pH < 7 & <script>alert(1)</script>" in rendered.text


def test_unknown_template_and_reserved_variable() -> None:
    with pytest.raises(NotFound):
        CATALOG.render("nope", {})
    with pytest.raises(InvalidArgument) as error:
        CATALOG.render("password_reset", {**CATALOG.info("password_reset").sample, "company": {}})
    assert "company" in error.value.message


def test_a_fractional_amount_in_cents_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        CATALOG.render(
            "invoice_issued", {**CATALOG.info("invoice_issued").sample, "amount_due_cents": 12.5}
        )


def test_invoice_email_shows_payment_details() -> None:
    text = CATALOG.preview("invoice_issued").text
    assert "238,80\u00a0€" in text
    assert "4 février 2027" in text
    assert BRANDING.iban in text and BRANDING.bic in text
    assert "Référence à indiquer : F-2027-000042" in text


def test_formal_notice_shows_indemnity_and_interest_as_amounts() -> None:
    rendered = CATALOG.preview("formal_notice")
    for body in (rendered.text, rendered.html):
        assert "40,00\u00a0€" in body  # recovery indemnity
        assert "3,58\u00a0€" in body  # late interest
        assert "282,38\u00a0€" in body  # 238,80 + 3,58 + 40,00
        assert "12,15\u00a0%" in body
    # A private customer owes no recovery indemnity: the line disappears.
    sample = {**CATALOG.info("formal_notice").sample, "recovery_indemnity_cents": 0}
    text = CATALOG.render("formal_notice", sample).text
    assert "Indemnité forfaitaire" not in text and "242,38\u00a0€" in text


def test_renewal_notice_shows_the_refusal_deadline_prominently() -> None:
    rendered = CATALOG.preview("contract_renewal_notice")
    assert "31 mai 2027" in rendered.subject
    assert "DATE LIMITE DE NON-RECONDUCTION" in rendered.text
    assert "LUNDI 31 MAI 2027" in rendered.text
    box = rendered.html.split("Date limite de non-reconduction", 1)[1]
    assert "lundi 31 mai 2027" in box[:300] and "font-size:28px" in box[:300]
    assert "L215-1" in rendered.text


def test_french_formatting() -> None:
    assert euros(123456789) == "1\u202f234\u202f567,89\u00a0€"
    assert euros(-5) == "-0,05\u00a0€"
    assert date_fr("2027-05-01") == "1er mai 2027"
    assert percent_fr("12.5") == percent_fr(12.5) == "12,5\u00a0%"
    assert percent_fr("12.150") == "12,15\u00a0%" and percent_fr(10) == "10\u00a0%"
    # Paris time, summer and winter.
    assert time_fr("2027-07-01T07:30:00Z") == "9\u00a0h\u00a030"
    assert time_fr("2027-01-01T07:30:00Z") == "8\u00a0h\u00a030"


def _unfold(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_invitation_is_rfc5545() -> None:
    appointment = Appointment(
        uid="intervention-42@piscines-azur.fr",
        sequence=1,
        start=datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
        end=datetime(2027, 7, 1, 9, 0, tzinfo=UTC),
        summary="Entretien; piscine, été",
        location="8 chemin des Vignes, 69140 Rillieux-la-Pape",
        description="Ligne 1\nLigne 2 " + "é" * 80,
        organizer_name="Piscines Azur",
        organizer_email="contact@piscines-azur.fr",
        attendee_name="Mme Dupont",
        attendee_email="claire.dupont@example.fr",
        stamp=datetime(2027, 6, 1, 8, 0, tzinfo=UTC),
    )
    data = invitation(appointment)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    lines = _unfold(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    assert "METHOD:REQUEST" in lines and "VERSION:2.0" in lines
    assert "TZID:Europe/Paris" in lines
    assert "DTSTART;TZID=Europe/Paris:20270701T090000" in lines  # 07:00 UTC is 09:00 in summer
    assert "DTEND;TZID=Europe/Paris:20270701T110000" in lines
    assert "DTSTAMP:20270601T080000Z" in lines and "SEQUENCE:1" in lines
    assert "SUMMARY:Entretien\\; piscine\\, été" in lines
    assert f"DESCRIPTION:Ligne 1\\nLigne 2 {'é' * 80}" in lines
    assert any(line.startswith('ORGANIZER;CN="Piscines Azur":mailto:contact@') for line in lines)
    assert any(
        line.endswith(":mailto:claire.dupont@example.fr") and "ATTENDEE" in line for line in lines
    )


def test_fold_never_splits_a_character() -> None:
    folded = fold("DESCRIPTION:" + "€" * 60)
    for line in folded.split("\r\n"):
        assert len(line.encode()) <= 75
        line.encode().decode("utf-8")
    assert folded.replace("\r\n ", "") == "DESCRIPTION:" + "€" * 60


def test_the_renewal_notice_window_opens_three_calendar_months_before() -> None:
    assert add_months(date(2027, 5, 31), -3) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 15), -3) == date(2026, 10, 15)
    assert add_months(date(2028, 5, 31), -3) == date(2028, 2, 29)
