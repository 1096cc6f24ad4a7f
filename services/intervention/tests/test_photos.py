"""Visit photos: the location leaves the EXIF data and the time stays; a non-image or an
oversized upload is refused naming the field with nothing stored; a retried upload stores once;
only the assigned technician (or the office) adds photos; the report PDF shows them."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.photo_store import FilePhotoStore
from aquaerp_intervention.photos import DATE_TIME_ORIGINAL, EXIF_IFD, GPS_IFD, clean_photo
from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.errors import InvalidArgument, field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text

from .conftest import Field
from .test_catalogue_parts import started
from .test_checklists import completion

TAKEN = "2026:06:02 09:41:07"


def jpeg_with_gps(
    width: int = 640, height: int = 480, colour: tuple[int, int, int] = (30, 120, 200)
) -> bytes:
    """A camera-like JPEG: maker, time taken and the GPS position of the pool."""
    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = TAKEN
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (43.0, 36.0, 39.0), 3: "E", 4: (3.0, 52.0, 38.0), 6: 57.0}
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def upload(
    visit_id: str, content: bytes, photo_id: str | None = None, **changes: object
) -> pb.UploadVisitPhotoRequest:
    request = pb.UploadVisitPhotoRequest(
        intervention_id=visit_id,
        photo_id=photo_id or str(uuid.uuid4()),
        kind=pb.PHOTO_KIND_BEFORE,
        content=content,
    )
    for name, value in changes.items():
        setattr(request, name, value)
    return request


async def stored_objects(f: Field, visit_id: str) -> int:
    assert f.connection is not None
    count = await f.connection.scalar(
        text("SELECT count(*) FROM intervention.photo_objects WHERE key LIKE :prefix"),
        {"prefix": f"visits/{visit_id}/%"},
    )
    return int(count or 0)


async def test_a_photo_comes_back_without_its_location_but_with_its_time(
    field_services: Field,
) -> None:
    f = field_services
    visit, _, me = await started(f)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    photo = await f.stub.UploadVisitPhoto(upload(visit.id, original), metadata=me)
    assert photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (640, 480)
    # No time given by the phone: the EXIF time, read as Paris time.
    expected = datetime(2026, 6, 2, 9, 41, 7, tzinfo=BUSINESS_TZ)
    assert photo.taken_at.ToDatetime(tzinfo=UTC) == expected

    got = await f.stub.GetVisitPhoto(
        pb.GetVisitPhotoRequest(intervention_id=visit.id, photo_id=photo.id), metadata=me
    )
    assert got.content_type == "image/jpeg"
    assert got.photo.sha256 == photo.sha256
    back = Image.open(io.BytesIO(got.content))
    exif = back.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert GPS_IFD not in exif
    assert b"GPS" not in got.content and b"PhoneMaker" not in got.content
    assert exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] == TAKEN
    assert back.size == (640, 480)

    thumbnail = await f.stub.GetVisitPhoto(
        pb.GetVisitPhotoRequest(intervention_id=visit.id, photo_id=photo.id, thumbnail=True),
        metadata=me,
    )
    assert thumbnail.content_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 320

    listed = await f.stub.ListVisitPhotos(
        pb.ListVisitPhotosRequest(intervention_id=visit.id), metadata=me
    )
    assert [p.id for p in listed.photos] == [photo.id]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Compte rendu de visite\n" * 40, "n'est pas une photo"),
        (b"\xff\xd8\xff\xe0" + b"\0" * (8 * 1024 * 1024), "trop lourde"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png", "illisible"),
    ],
    ids=["text", "oversized", "fake-png"],
)
async def test_a_non_image_or_oversized_upload_is_refused_and_nothing_stored(
    field_services: Field, content: bytes, message: str
) -> None:
    f = field_services
    visit, _, me = await started(f)
    error = await rpc_error(f.stub.UploadVisitPhoto(upload(visit.id, content), metadata=me))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(error.trailing_metadata())
    assert list(violations) == ["content_base64"]
    assert message in violations["content_base64"]
    listed = await f.stub.ListVisitPhotos(
        pb.ListVisitPhotosRequest(intervention_id=visit.id), metadata=me
    )
    assert list(listed.photos) == []
    assert await stored_objects(f, visit.id) == 0


async def test_a_retried_upload_is_stored_once(field_services: Field) -> None:
    f = field_services
    visit, _, me = await started(f)
    photo_id = str(uuid.uuid4())
    content = jpeg_with_gps(320, 240)
    first = await f.stub.UploadVisitPhoto(upload(visit.id, content, photo_id), metadata=me)
    again = await f.stub.UploadVisitPhoto(upload(visit.id, content, photo_id), metadata=me)
    assert again == first
    listed = await f.stub.ListVisitPhotos(
        pb.ListVisitPhotosRequest(intervention_id=visit.id), metadata=me
    )
    assert [p.id for p in listed.photos] == [photo_id]
    assert await stored_objects(f, visit.id) == 2  # the picture and its thumbnail


async def test_only_the_assigned_technician_or_the_office_adds_photos(
    field_services: Field,
) -> None:
    f = field_services
    visit, _, _ = await started(f)
    _, stranger = await f.technician(name="Paul Martin")
    content = jpeg_with_gps(200, 100)
    error = await rpc_error(f.stub.UploadVisitPhoto(upload(visit.id, content), metadata=stranger))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    customer = await f.as_role("client", visit.customer_id)
    error = await rpc_error(f.stub.UploadVisitPhoto(upload(visit.id, content), metadata=customer))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await stored_objects(f, visit.id) == 0
    # The office may add one.
    await f.stub.UploadVisitPhoto(upload(visit.id, content), metadata=await f.office())
    assert await stored_objects(f, visit.id) == 2


async def test_checklist_photos_name_an_item_and_the_pdf_shows_the_photos(
    field_services: Field,
) -> None:
    f = field_services
    await f.stub.SetChecklistTemplate(
        pb.SetChecklistTemplateRequest(
            visit_type=pb.VISIT_TYPE_WEEKLY,
            items=[pb.ChecklistItemTemplate(key="skimmers", label="Paniers vidés")],
        ),
        metadata=await f.office(),
    )
    visit, _, me = await started(f)
    content = jpeg_with_gps(400, 300)
    error = await rpc_error(
        f.stub.UploadVisitPhoto(
            upload(visit.id, content, kind=pb.PHOTO_KIND_CHECKLIST_ITEM), metadata=me
        )
    )
    assert set(field_violations(error.trailing_metadata())) == {"checklist_item_key"}
    error = await rpc_error(
        f.stub.UploadVisitPhoto(
            upload(visit.id, content, kind=pb.PHOTO_KIND_CHECKLIST_ITEM, checklist_item_key="nope"),
            metadata=me,
        )
    )
    assert set(field_violations(error.trailing_metadata())) == {"checklist_item_key"}
    item = await f.stub.UploadVisitPhoto(
        upload(visit.id, content, kind=pb.PHOTO_KIND_CHECKLIST_ITEM, checklist_item_key="skimmers"),
        metadata=me,
    )
    assert item.kind == pb.PHOTO_KIND_CHECKLIST_ITEM and item.checklist_item_key == "skimmers"
    await f.stub.UploadVisitPhoto(
        upload(visit.id, jpeg_with_gps(300, 400, (200, 90, 20)), kind=pb.PHOTO_KIND_AFTER),
        metadata=me,
    )
    await f.stub.SaveChecklist(
        pb.SaveChecklistRequest(
            intervention_id=visit.id, states=[pb.ChecklistItemState(key="skimmers", checked=True)]
        ),
        metadata=me,
    )
    await f.stub.CompleteIntervention(completion(visit.id), metadata=me)
    document = await f.stub.GetReportPdf(pb.GetReportPdfRequest(id=visit.id), metadata=me)
    reader = PdfReader(io.BytesIO(document.pdf))
    words = " ".join(page.extract_text() for page in reader.pages)
    assert "Photos" in words and "Après" in words and "Check-list : skimmers" in words
    assert sum(len(page.images) for page in reader.pages) >= 3  # 2 photos + the signature
    # A completed visit keeps its photos.
    error = await rpc_error(
        f.stub.DeleteVisitPhoto(
            pb.DeleteVisitPhotoRequest(intervention_id=visit.id, photo_id=item.id), metadata=me
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_photo_is_removed_with_its_bytes(field_services: Field) -> None:
    f = field_services
    visit, _, me = await started(f)
    photo = await f.stub.UploadVisitPhoto(upload(visit.id, jpeg_with_gps(64, 64)), metadata=me)
    await f.stub.DeleteVisitPhoto(
        pb.DeleteVisitPhotoRequest(intervention_id=visit.id, photo_id=photo.id), metadata=me
    )
    assert await stored_objects(f, visit.id) == 0
    error = await rpc_error(
        f.stub.GetVisitPhoto(
            pb.GetVisitPhotoRequest(intervention_id=visit.id, photo_id=photo.id), metadata=me
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_png_and_webp_without_location_are_kept_as_sent() -> None:
    for fmt, content_type in (("PNG", "image/png"), ("WEBP", "image/webp")):
        out = io.BytesIO()
        Image.new("RGB", (50, 40), (10, 200, 10)).save(out, fmt)
        clean = clean_photo(out.getvalue())
        assert clean.content_type == content_type
        assert clean.content == out.getvalue() and not clean.reencoded
    with pytest.raises(InvalidArgument):
        clean_photo(b"GIF89a" + b"\0" * 100)


async def test_the_file_store_keeps_bytes_under_its_directory(tmp_path: Path) -> None:
    store = FilePhotoStore(tmp_path)
    session = None  # the file store does not use the unit of work
    await store.put(session, "visits/a/b.jpg", b"abc")  # type: ignore[arg-type]
    assert await store.get(session, "visits/a/b.jpg") == b"abc"  # type: ignore[arg-type]
    assert (tmp_path / "visits" / "a" / "b.jpg").read_bytes() == b"abc"
    await store.delete(session, "visits/a/b.jpg")  # type: ignore[arg-type]
    assert await store.get(session, "visits/a/b.jpg") is None  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await store.put(session, "../outside.jpg", b"x")  # type: ignore[arg-type]
