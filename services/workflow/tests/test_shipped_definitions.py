"""The standard definitions shipped with the product, and the local loader."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aquaerp_runtime.db import Database
from aquaerp_workflow.config import SHIPPED_DEFINITIONS
from aquaerp_workflow.definition import missing_services, parse_spec, validate
from aquaerp_workflow.loader import load_definitions, read_definition_files
from aquaerp_workflow.service import WorkflowService

SHIPPED = read_definition_files(SHIPPED_DEFINITIONS)
EXPECTED_TRIGGERS = {
    "contract-activated": "contrat.contract.activated",
    "contract-renewed": "contrat.contract.renewed",
    "contract-terminated": "contrat.contract.terminated",
    "contract-suspended": "contrat.contract.suspended",
    "contract-resumed": "contrat.contract.resumed",
    "intervention-completed": "intervention.intervention.completed",
    "invoice-issued": "facture.invoice.issued",
    "appointment-scheduled": "intervention.visit.scheduled",
    "appointment-rescheduled": "intervention.visit.rescheduled",
    "renewal-notice-due": "contrat.contract.renewal_notice_due",
    "dunning-level-reached": "facture.dunning.level_reached",
    "daily-maintenance": "0 6 * * *",
    "monthly-billing": "0 5 1 * *",
    "visit-consumption": "intervention.intervention.completed",
    "privacy-retention": "30 3 * * *",
    "stop-not-done": "intervention.stop_not_done",
    "service-report": "intervention.intervention.completed",
    "logbook-alert": "intervention.logbook_alert",
}


def test_the_standard_definitions_are_all_shipped() -> None:
    shipped = {document["name"]: document["spec"]["trigger"] for _, document in SHIPPED}
    assert {
        name: t.get("event") or t.get("cron") for name, t in shipped.items()
    } == EXPECTED_TRIGGERS
    for path, document in SHIPPED:
        assert path.stem == document["name"]
        assert set(document) == {"name", "spec"}


@pytest.mark.parametrize(("path", "document"), SHIPPED, ids=[p.stem for p, _ in SHIPPED])
def test_shipped_definition_validates(path: Path, document: dict[str, object]) -> None:
    spec = parse_spec(document["spec"])
    missing = missing_services(spec)
    assert not missing, f"{path.name} calls {', '.join(missing)}, whose API is not generated"
    assert validate(str(document["name"]), spec) == {}


async def test_loader_stores_valid_files_and_rejects_the_rest(
    clean_workflow: None, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "good.yaml").write_text(
        "name: good\nspec:\n  trigger:\n    event: facture.invoice.issued\n  steps:\n"
        "    - name: mail\n      call: mailer.SendInvoiceEmail\n"
        "      args:\n        invoice_id: '{{ event.payload.invoice_id }}'\n"
    )
    (tmp_path / "future.yaml").write_text(
        "name: future\nspec:\n  trigger:\n    event: piscine.pool.drained\n  steps:\n"
        "    - name: refill\n      call: piscine.RefillPool\n"
    )
    (tmp_path / "broken.yaml").write_text(
        "name: broken\nspec:\n  trigger:\n    cron: '0 99 * * *'\n  steps:\n"
        "    - name: mail\n      call: mailer.SendInvoiceEmail\n"
    )
    (tmp_path / "shapeless.yaml").write_text("- just\n- a list\n")
    database = Database.from_url(database_url, pool_size=2)
    try:
        service = WorkflowService(database)
        with caplog.at_level(logging.WARNING, logger="aquaerp_workflow.loader"):
            report = await load_definitions(service, tmp_path)
        assert report.stored == {"good": 1}
        assert report.rejected["future"] == "calls services whose API is not installed: piscine"
        assert "spec.trigger.cron: invalid cron expression" in report.rejected["broken"]
        assert report.rejected["shapeless.yaml"] == "the file must hold `name:` and `spec:`"
        assert "workflow definition future" in caplog.text and "piscine" in caplog.text
        again = await load_definitions(service, tmp_path)
        assert again.stored == {} and again.unchanged == ["good"]
    finally:
        await database.dispose()


async def test_shipped_definitions_load_at_start(clean_workflow: None, database_url: str) -> None:
    database = Database.from_url(database_url, pool_size=2)
    try:
        report = await load_definitions(WorkflowService(database), SHIPPED_DEFINITIONS)
    finally:
        await database.dispose()
    for name in EXPECTED_TRIGGERS:
        assert name in report.stored or name in report.rejected
    # Only a missing service API may keep a shipped definition out.
    for name, reason in report.rejected.items():
        assert reason.startswith("calls services whose API is not installed"), (name, reason)
