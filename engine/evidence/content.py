"""What an uploaded file really is, and a safe copy of it to keep.

The type is read from the bytes (their magic numbers), never from the file's name or the browser's claim.
Images are decoded and encoded again: what is kept is only the pixels, so metadata (location, camera), colour
profiles, comments and anything appended after the image data are gone. PDFs cannot be rebuilt that simply;
they are parsed and refused when they carry anything that runs or hides a file: JavaScript, launch or
import actions, embedded files, rich media, XFA forms. Encrypted PDFs are refused because they cannot be checked.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass

from engine.errors import ValidationFailed

# Pixels an image may have (a 40-megapixel phone photo passes); more is refused before decoding.
MAX_PIXELS = 50_000_000
# A PDF with more objects than this is refused rather than walked.
MAX_PDF_OBJECTS = 200_000

PNG, JPEG, PDF = "image/png", "image/jpeg", "application/pdf"
EXTENSIONS = {PNG: ".png", JPEG: ".jpg", PDF: ".pdf"}
ACCEPTED = "JPEG, PNG, WebP images and PDF documents"

# Dictionary keys and action types of a PDF that run code, open other files or carry a file inside.
_ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/EF",
    "/RichMedia",
    "/XFA",
    "/Launch",
}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE", "/RichMediaExecute"}


@dataclass(frozen=True)
class Prepared:
    """What will be stored: the safe bytes and their type, decided from the content."""

    content_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def refuse(reason: str, message: str) -> ValidationFailed:
    """The error for a refused file; ``reason`` is a stable code the pages word in the reader's language."""
    error = ValidationFailed(message, {"file": message})
    error.reason = reason
    return error


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes start like: "png", "jpeg", "webp", "pdf" or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def prepare(data: bytes) -> Prepared:
    """The copy to keep of an upload, or ``ValidationFailed`` saying why it is refused."""
    if not data:
        raise refuse("empty", "the file is empty")
    kind = sniff(data)
    if kind is None:
        raise refuse("type", f"this kind of file is not accepted; send {ACCEPTED}")
    if kind == "pdf":
        check_pdf(data)
        return Prepared(PDF, data)
    return reencode_image(data, kind)


def reencode_image(data: bytes, kind: str) -> Prepared:
    """Decode the image and encode its pixels again (JPEG stays JPEG; PNG and WebP become PNG)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refuse("image_size", f"the image is too large ({width}×{height} pixels)")
                image.load()
                # Turn the picture the way the camera said, since the orientation tag goes with the metadata.
                upright = ImageOps.exif_transpose(image)
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("image_size", "the image is too large") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise refuse("damaged", "the image cannot be read; it may be damaged") from None
    out = io.BytesIO()
    if kind == "jpeg":
        pixels = upright if upright.mode in ("RGB", "L") else upright.convert("RGB")
        pixels.save(out, format="JPEG", quality=90, optimize=True)
        return Prepared(JPEG, out.getvalue())
    pixels = upright if upright.mode in ("1", "L", "LA", "RGB", "RGBA") else upright.convert("RGBA")
    pixels.save(out, format="PNG", optimize=True)
    return Prepared(PNG, out.getvalue())


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that cannot be read, is encrypted, or carries scripts, actions or embedded files."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise refuse(
                    "pdf_encrypted", "password-protected PDFs are not accepted; send it without a password"
                )
            if len(reader.pages) == 0:
                raise refuse("damaged", "the PDF has no pages")
            found = _active_content(reader.trailer)
    except ValidationFailed:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise refuse("damaged", "the PDF cannot be read; it may be damaged") from None
    if found:
        raise refuse(
            "pdf_active",
            f"PDFs with active content are not accepted ({found}); print it to a plain PDF first",
        )


def _active_content(root) -> str | None:
    """The first active feature reachable from the trailer, by walking every object once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise refuse("pdf_complex", "the PDF is too complex to check")
        if isinstance(node, DictionaryObject):
            action = node.get("/S")
            if action in _ACTIVE_ACTIONS:
                return str(action).lstrip("/")
            for key in node:
                if key in _ACTIVE_KEYS:
                    return key.lstrip("/")
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def clean_filename(name: str | None, extension: str) -> str:
    """A display name: the last part of the given name, printable, at most 100 characters, with the extension
    of the type found (a file called ``x.html`` that is really a PNG is kept as ``x.png``)."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] not in "CZ" or ch == " ").strip(" .")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    return (stem[:100] or "evidence") + extension
