"""Visit photos as the service accepts them: the real type read from the first bytes (JPEG, PNG,
WebP only), a size cap, the location taken out of the EXIF data (the time it was taken stays),
and a small JPEG thumbnail for the phone's list and the report PDF. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from aquaerp_runtime.clock import BUSINESS_TZ
from aquaerp_runtime.errors import InvalidArgument
from PIL import Image, ImageOps, UnidentifiedImageError

# A phone photo resized to 1600 px is about 0.3-0.6 MB; a full camera picture stays under this.
MAX_PHOTO_BYTES = 8 * 1024 * 1024
# Decoding cost guard (a small file can declare a huge picture).
MAX_PIXELS = 50_000_000
THUMBNAIL_SIDE = 320
THUMBNAIL_TYPE = "image/jpeg"
# EXIF tags: the Exif sub-IFD, the GPS IFD, the time the picture was taken and its UTC offset.
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
EXIF_TIME = "%Y:%m:%d %H:%M:%S"

CONTENT_FIELD = "content_base64"


class PhotoKind(StrEnum):
    BEFORE = "before"
    AFTER = "after"
    CHECKLIST_ITEM = "checklist_item"


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    pillow_format: str


@dataclass(frozen=True)
class CleanPhoto:
    """What is stored: the picture without its location, and its thumbnail."""

    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str
    taken_at: datetime | None
    thumbnail: bytes
    reencoded: bool


def sniff(content: bytes) -> Sniffed | None:
    """The image type from its magic bytes, whatever the client said it was."""
    if content[:3] == b"\xff\xd8\xff":
        return Sniffed("image/jpeg", "JPEG")
    if content[:8] == b"\x89PNG\r\n\x1a\n":
        return Sniffed("image/png", "PNG")
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return Sniffed("image/webp", "WEBP")
    return None


def _refuse(message: str) -> InvalidArgument:
    return InvalidArgument(message, fields={CONTENT_FIELD: message})


def check_upload(content: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> Sniffed:
    """Refuses an empty, oversized or non-image upload (INVALID_ARGUMENT naming the field)."""
    if not content:
        raise _refuse("photo vide")
    if len(content) > max_bytes:
        raise _refuse(f"photo trop lourde : {max_bytes // (1024 * 1024)} Mo au plus")
    found = sniff(content)
    if found is None:
        raise _refuse("ce fichier n'est pas une photo JPEG, PNG ou WebP")
    return found


def _exif_time(exif: Image.Exif) -> datetime | None:
    sub = exif.get_ifd(EXIF_IFD)
    raw = sub.get(DATE_TIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip("\x00 "), EXIF_TIME)
    except ValueError:
        return None
    offset = sub.get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str):
        try:
            return datetime.strptime(f"{raw.strip()} {offset.strip()}", f"{EXIF_TIME} %z")
        except ValueError:
            pass
    # No offset recorded: the phone's clock was on business time.
    return local.replace(tzinfo=BUSINESS_TZ)


def _kept_exif(exif: Image.Exif) -> Image.Exif:
    """Only the time the picture was taken (and its offset): no GPS, no device serials."""
    kept = Image.Exif()
    sub = exif.get_ifd(EXIF_IFD)
    times = {t: sub[t] for t in (DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL) if t in sub}
    if times:
        kept.get_ifd(EXIF_IFD).update(times)
    return kept


def _needs_reencoding(image: Image.Image, exif: Image.Exif) -> bool:
    if exif.get_ifd(GPS_IFD) or GPS_IFD in exif:
        return True
    if any(k in image.info for k in ("xmp", "XML:com.adobe.xmp", "comment")):
        return True
    # Rotated by a tag: turned upright once here so every viewer shows it the same way.
    return bool(exif.get(0x0112, 1) != 1)


def _thumbnail(image: Image.Image) -> bytes:
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def clean_photo(content: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> CleanPhoto:
    """Checks the upload and returns it without its location (re-encoded only when it carried
    one, or other free-text metadata, or a rotation tag). CPU-bound: run it in a thread."""
    sniffed = check_upload(content, max_bytes)
    try:
        with Image.open(io.BytesIO(content)) as opened:
            if opened.format != sniffed.pillow_format:
                raise _refuse("le contenu de la photo ne correspond pas à son type")
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise _refuse("photo trop grande (50 mégapixels au plus)")
            opened.load()
            exif = opened.getexif()
            taken_at = _exif_time(exif)
            reencode = _needs_reencoding(opened, exif)
            image = ImageOps.exif_transpose(opened) if reencode else opened.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse("photo illisible") from None
    stored = content
    if reencode:
        out = io.BytesIO()
        options: dict[str, object] = {"exif": _kept_exif(exif).tobytes()}
        if "icc_profile" in image.info:
            options["icc_profile"] = image.info["icc_profile"]
        if sniffed.pillow_format == "JPEG":
            image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
            options.update(quality=90, optimize=True)
        elif sniffed.pillow_format == "WEBP":
            options.update(quality=90)
        image.save(out, sniffed.pillow_format, **options)
        stored = out.getvalue()
    return CleanPhoto(
        content=stored,
        content_type=sniffed.content_type,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(stored).hexdigest(),
        taken_at=taken_at,
        thumbnail=_thumbnail(image),
        reencoded=reencode,
    )
