"""Personal data in intervention: a customer's visits lose the site, the notes, the signature
and the photos on erasure (the visit stays as proof of the service), and a finished visit's
location is kept one year from the day given."""

from __future__ import annotations

from datetime import timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, bearer, rpc_error
from sqlalchemy import text

from .conftest import Field
from .test_catalogue_parts import started
from .test_photos import jpeg_with_gps, stored_objects, upload
from .test_stops_not_done import friday_stop


async def test_erasure_and_location_retention(field_services: Field) -> None:
    field = field_services
    assert field.connection is not None
    contract, site = await field.contract(plans=[], customer_name="Ondine Verrier")
    office = await field.office()
    visit = await field.stub.CreateIntervention(
        pb.CreateInterventionRequest(
            contract_id=contract.id,
            site_id=site.id,
            priority=pb.PRIORITY_HIGH,
            problem_description="Eau verte, Ondine Verrier rappelle ce soir",
        ),
        metadata=office,
    )
    issued = await field.auth.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(client_id="contrat", client_secret=SERVICE_ACCOUNT_SECRET)
    )
    service = bearer(issued.access_token)
    refused = await rpc_error(
        field.stub.ApplyRetention(common_pb2.ApplyRetentionRequest(), metadata=office)
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED

    # Finished today: its location is kept a year, counted from the day given.
    await field.connection.execute(
        text("UPDATE intervention.interventions SET completed_at = :at WHERE id = :id"),
        {"at": field.clock.now(), "id": visit.id},
    )

    async def retention(days: int) -> dict[str, int]:
        day = field.clock.now().date() + timedelta(days=days)
        answer = await field.stub.ApplyRetention(
            common_pb2.ApplyRetentionRequest(
                as_of=common_pb2.Date(year=day.year, month=day.month, day=day.day)
            ),
            metadata=service,
        )
        return {r.data_class: r.rows for r in answer.removed}

    assert (await retention(300))["visit_locations"] == 0
    assert (await retention(400))["visit_locations"] == 1
    assert (await retention(401))["visit_locations"] == 0

    erasure = common_pb2.ErasePersonalDataRequest(
        customer_id=contract.customer_id,
        pseudonym="Client effacé #C00001",
        personal_values=["Ondine Verrier", site.access_notes],
    )
    first = await field.stub.ErasePersonalData(erasure, metadata=service)
    again = await field.stub.ErasePersonalData(erasure, metadata=service)
    assert first.rows_changed >= 2 and again.rows_changed == 0
    row = (
        await field.connection.execute(
            text(
                "SELECT site_name, site_address::text AS address, access_notes, gate_code,"
                " problem_description, site_latitude FROM intervention.interventions"
                " WHERE id = :id"
            ),
            {"id": visit.id},
        )
    ).one()
    assert row.site_name == "Site effacé" and row.address == "{}"
    assert row.access_notes == row.gate_code == "" and row.site_latitude is None
    assert row.problem_description == "Eau verte, [effacé] rappelle ce soir"


async def test_photos_and_stop_notes_are_exported_then_erased(field_services: Field) -> None:
    f = field_services
    assert f.connection is not None
    visit, _, me = await started(f)
    photo = await f.stub.UploadVisitPhoto(upload(visit.id, jpeg_with_gps(64, 64)), metadata=me)
    stop, _, tech = await friday_stop(f)
    await f.stub.ReportStopNotDone(
        pb.ReportStopNotDoneRequest(
            intervention_id=stop.id,
            reason=pb.STOP_NOT_DONE_REASON_CUSTOMER_ABSENT,
            note="Mme Ondine Verrier absente, voisin prévenu",
        ),
        metadata=tech,
    )
    issued = await f.auth.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(client_id="contrat", client_secret=SERVICE_ACCOUNT_SECRET)
    )
    service = bearer(issued.access_token)

    export = await f.stub.ExportPersonalData(
        common_pb2.ExportPersonalDataRequest(customer_id=visit.customer_id), metadata=service
    )
    assert [d.file_name for d in export.documents if d.file_name.startswith("photos/")] == [
        f"photos/{visit.id}/{photo.id}.jpeg"
    ]
    stop_export = await f.stub.ExportPersonalData(
        common_pb2.ExportPersonalDataRequest(customer_id=stop.customer_id), metadata=service
    )
    assert "Ondine Verrier absente" in stop_export.records_json

    for customer_id in (visit.customer_id, stop.customer_id):
        await f.stub.ErasePersonalData(
            common_pb2.ErasePersonalDataRequest(
                customer_id=customer_id, personal_values=["Ondine Verrier"]
            ),
            metadata=service,
        )
    assert await stored_objects(f, visit.id) == 0
    listed = await f.stub.ListVisitPhotos(
        pb.ListVisitPhotosRequest(intervention_id=visit.id), metadata=me
    )
    assert list(listed.photos) == []
    note = await f.connection.scalar(
        text("SELECT note FROM intervention.stops_not_done WHERE intervention_id = :id"),
        {"id": stop.id},
    )
    assert note == "Mme [effacé] absente, voisin prévenu"
