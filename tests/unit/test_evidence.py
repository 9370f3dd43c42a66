"""Evidence on a case through the engine: types decided by content, images re-encoded, active PDFs refused,
limits per file and per case, one audit event per upload, nothing half-stored, and both stores."""

from __future__ import annotations

import hashlib
import io

import boto3
import pytest
from moto import mock_aws
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from engine.cases.engine import CaseEngine
from engine.deploy import deployment
from engine.errors import InvalidState, NotFound, ValidationFailed
from engine.evidence import attachments
from engine.evidence.attachments import Limits
from engine.evidence.content import clean_filename, prepare
from engine.evidence.store import FilesystemStore, S3Store, new_key
from engine.models import Attachment, AuditEvent, Case, CaseStatus, OutboxMessage
from tests.conftest import fresh
from tests.unit.test_complaint_paths import PROCESSES, file, work

# ------------------------------------------------------------------ test material, made here


def jpeg_with_location() -> bytes:
    """A photo whose EXIF metadata holds a GPS position and a camera make, with bytes appended after it."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue() + b"<script>alert(1)</script>"


def png(size=(32, 32), text: str | None = None) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 120, 0, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf(active: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if active == "embedded":
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    elif active in ("javascript", "launch"):
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript" if active == "javascript" else "/Launch")}
        )
        if active == "javascript":
            action[NameObject("/JS")] = TextStringObject("app.alert('hello');")
        else:
            action[NameObject("/F")] = TextStringObject("calc.exe")
        writer.root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class RecordingStore(FilesystemStore):
    """A folder store that remembers what it was asked to delete."""

    def __init__(self, root):
        super().__init__(root)
        self.deleted: list[str] = []

    def delete(self, key):
        self.deleted.append(key)
        super().delete(key)


@pytest.fixture
def engine(session, clock):
    deployment.deploy(session, deployment.read_paths([PROCESSES]), actor="tests", clock=clock)
    return CaseEngine(session, clock)


@pytest.fixture
def store(tmp_path):
    return RecordingStore(tmp_path / "attachments")


@pytest.fixture
def case(engine):
    return file(engine, "Charged twice for the annual fee", "fee_dispute", amount=120).case


def attach(engine, case, store, data, name="receipt.jpg", source="staff", actor="ann", **kw):
    return attachments.attach(
        engine, case.id, filename=name, data=data, actor=actor, source=source, store=store, **kw
    )


def stored_files(store) -> list:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


# ------------------------------------------------------------------ content


def test_a_photo_is_re_encoded_without_its_metadata_or_what_was_appended(engine, session, case, store):
    original = jpeg_with_location()
    assert b"SpyCam" in original

    attachment = attach(engine, case, store, original, name="../../etc/转账回单.JPG")

    kept = attachments.read(store, attachment)
    assert kept != original and b"SpyCam" not in kept and b"<script>" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()
    assert attachment.content_type == "image/jpeg"
    assert attachment.filename == "转账回单.jpg"  # the last part of the name only, its type's extension
    assert attachment.sha256 == hashlib.sha256(kept).hexdigest()
    assert attachment.original_sha256 == hashlib.sha256(original).hexdigest()


def test_png_text_chunks_are_dropped(engine, case, store):
    attachment = attach(engine, case, store, png(text="secret note"), name="screen.png")
    kept = attachments.read(store, attachment)
    assert b"secret note" not in kept
    assert attachment.content_type == "image/png"


def test_a_webp_screenshot_is_kept_as_png(engine, case, store):
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 200, 10)).save(out, format="WEBP", lossless=True)
    attachment = attach(engine, case, store, out.getvalue(), name="screen.webp")
    assert (attachment.content_type, attachment.filename) == ("image/png", "screen.png")
    with Image.open(io.BytesIO(attachments.read(store, attachment))) as image:
        assert image.format == "PNG" and image.getpixel((5, 5)) == (10, 200, 10)


def test_the_type_comes_from_the_content_not_the_name(engine, session, case, store):
    # HTML called .png is refused; a real PNG called .html is kept, and named, as a PNG.
    with pytest.raises(ValidationFailed, match="not accepted"):
        attach(engine, case, store, b"<html><script>alert(1)</script></html>", name="receipt.png")
    attachment = attach(engine, case, store, png(), name="page.html")
    assert (attachment.content_type, attachment.filename) == ("image/png", "page.png")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03" + b"\x00" * 100, "not accepted"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "cannot be read"),
        (b"%PDF-1.7\n garbage", "cannot be read"),
    ],
)
def test_unreadable_or_unknown_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        prepare(data)
    assert "file" in refused.value.errors


def test_a_huge_image_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, format="PNG")
    with pytest.raises(ValidationFailed, match="too large"):
        prepare(out.getvalue())


def test_a_plain_pdf_is_kept_as_it_is(engine, case, store):
    document = pdf()
    attachment = attach(engine, case, store, document, name="statement.pdf")
    assert attachments.read(store, attachment) == document
    assert attachment.content_type == "application/pdf"
    assert len(PdfReader(io.BytesIO(document)).pages) == 1


@pytest.mark.parametrize(
    "active, named", [("javascript", "JavaScript"), ("embedded", "EmbeddedFiles"), ("launch", "Launch")]
)
def test_pdfs_with_active_content_are_refused(engine, session, case, store, active, named):
    with pytest.raises(ValidationFailed, match=f"not accepted \\({named}\\)"):
        attach(engine, case, store, pdf(active), name="statement.pdf")
    fresh(session)
    assert attachments.for_case(session, case.id) == []
    assert stored_files(store) == []


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationFailed, match="password"):
        prepare(out.getvalue())


def test_clean_filename_keeps_a_readable_name():
    assert clean_filename("C:\\Users\\x\\回单 3月.jpeg", ".jpg") == "回单 3月.jpg"
    assert clean_filename("\x00\x1b[31m.png", ".png") == "[31m.png"
    assert clean_filename("", ".pdf") == "evidence.pdf"
    assert clean_filename("a" * 300 + ".pdf", ".pdf") == "a" * 100 + ".pdf"


# ------------------------------------------------------------------ limits, audit, atomicity


def test_each_upload_is_an_audit_event_with_its_digests(engine, session, case, store):
    attachment = attach(engine, case, store, png(), name="screen.png", actor="ann")
    fresh(session)
    [event] = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.kind == "evidence.attached")
    ).all()
    assert event.actor == "ann"
    assert event.payload["attachment"] == attachment.id
    assert event.payload["sha256"] == attachment.sha256
    assert event.payload["original_sha256"] == hashlib.sha256(png()).hexdigest()
    assert event.payload["source"] == "staff" and event.payload["filename"] == "screen.png"


def test_a_file_over_the_size_limit_is_refused(engine, session, case, store):
    with pytest.raises(ValidationFailed, match="larger than"):
        attach(engine, case, store, png(), limits=Limits(file_bytes=100))
    fresh(session)
    assert attachments.for_case(session, case.id) == []


def test_a_case_holds_at_most_so_many_files_and_bytes(engine, session, case, store):
    few = Limits(case_files=2)
    attach(engine, case, store, png(), limits=few)
    attach(engine, case, store, png((8, 8)), limits=few)
    with pytest.raises(ValidationFailed, match="already has 2 files"):
        attach(engine, case, store, png((9, 9)), limits=few)
    held = sum(a.size for a in attachments.for_case(session, case.id))
    small = Limits(case_bytes=held + len(prepare(png()).data) - 1)
    with pytest.raises(ValidationFailed, match="exceed"):
        attach(engine, case, store, png(), limits=small)
    fresh(session)
    assert len(attachments.for_case(session, case.id)) == 2
    assert len(stored_files(store)) == 2


def test_a_closed_or_missing_case_takes_no_evidence(engine, session, case, store):
    with pytest.raises(NotFound):
        attachments.attach(
            engine, 999_999, filename="x.png", data=png(), actor="ann", source="staff", store=store
        )
    closed = session.get(Case, case.id)
    closed.status = CaseStatus.COMPLETED
    session.commit()
    with pytest.raises(InvalidState, match="closed"):
        attach(engine, case, store, png())
    assert stored_files(store) == [] and store.deleted == []  # refused before anything was stored


def test_a_failure_after_the_bytes_were_stored_removes_them(engine, session, case, store, make_user):
    ann = make_user("ann")
    work(engine, session, case.id, "tell_direction", ann)  # ann owns the case: a customer upload tells her

    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    engine.queue_message = broken
    with pytest.raises(RuntimeError):
        attach(engine, case, store, png(), source="customer", actor="customer")
    fresh(session)
    assert attachments.for_case(session, case.id) == []
    assert stored_files(store) == []
    assert session.scalars(select(AuditEvent).where(AuditEvent.kind == "evidence.attached")).all() == []


def test_a_customer_upload_tells_the_owner(engine, session, case, store, make_user):
    ann = make_user("ann")
    work(engine, session, case.id, "tell_direction", ann)
    attachment = attach(engine, case, store, pdf(), name="statement.pdf", source="customer", actor="customer")
    fresh(session)
    message = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.template == "customer_evidence"
        )
    ).one()
    assert message.recipient == f"user:{ann.id}" and message.payload["attachment"] == attachment.id


def test_a_file_changed_in_the_store_is_not_served(engine, case, store):
    attachment = attach(engine, case, store, png())
    (store.root / attachment.storage_key).write_bytes(png((5, 5)))
    with pytest.raises(InvalidState, match="no longer matches"):
        attachments.read(store, attachment)
    (store.root / attachment.storage_key).unlink()
    with pytest.raises(NotFound, match="missing"):
        attachments.read(store, attachment)


def test_the_folder_store_refuses_keys_it_did_not_make(tmp_path):
    folder = FilesystemStore(tmp_path)
    for key in ("../../etc/passwd", "case-1/../../x", "/abs", "case-1/ABC"):
        with pytest.raises(ValueError):
            folder.get(key)
    key = new_key(7)
    folder.put(key, b"abc", "image/png")
    assert folder.get(key) == b"abc"
    assert (tmp_path / key).stat().st_mode & 0o077 == 0  # readable by the app's user only


# ------------------------------------------------------------------ the S3-compatible store


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client(
            "s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )
        client.create_bucket(Bucket="evidence")
        yield client


def test_the_s3_store_keeps_and_serves_evidence(engine, session, case, s3):
    store = S3Store("evidence", client=s3, prefix="complaints")
    attachment = attach(engine, case, store, jpeg_with_location())
    [listed] = s3.list_objects_v2(Bucket="evidence")["Contents"]
    assert listed["Key"] == "complaints/" + attachment.storage_key
    assert (
        attachments.read(store, attachment)
        == s3.get_object(Bucket="evidence", Key=listed["Key"])["Body"].read()
    )
    store.delete(attachment.storage_key)
    with pytest.raises(NotFound):
        attachments.read(store, attachment)
    fresh(session)
    assert session.get(Attachment, attachment.id).sha256 == attachment.sha256
