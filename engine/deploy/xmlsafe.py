"""Parse uploaded XML (BPMN, DMN) without trusting it.

Uploads come from process owners' browsers and from scripts, so the parser assumes the worst: no DTDs, no
entities, no network, no files, bounded size and element count. Every refusal is a ``DeploymentRejected``
with one readable ``Problem``; lxml's own message is kept short and carries the line number.

Encoding: a file that declares UTF-8 (or declares nothing, which means UTF-8) but is not valid UTF-8 is
**refused** with the byte offset and line of the first bad byte and the advice to save it as UTF-8. We do not
guess and re-decode as Latin-1: diagrams carry lane names (departments), DMN cell values and Chinese text, and
a wrong guess (a GBK file read as Latin-1, say) would deploy silently garbled names that route work to a
department that does not exist or make a decision rule never match. A file that declares its real encoding
(``encoding="ISO-8859-1"``, ``encoding="GBK"``) is read correctly, since lxml is given the raw bytes.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import NoReturn

from lxml import etree

from engine.errors import DeploymentRejected, Problem

MAX_BYTES = 5_000_000
MAX_ELEMENTS = 50_000

_BOMS = {
    b"\xef\xbb\xbf": "utf-8",
    b"\xff\xfe\x00\x00": "utf-32-le",
    b"\x00\x00\xfe\xff": "utf-32-be",
    b"\xff\xfe": "utf-16-le",
    b"\xfe\xff": "utf-16-be",
}
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_SPACE = re.compile(rb"\s*")


def parse_xml(
    data: bytes, *, filename: str, max_bytes: int = MAX_BYTES, max_elements: int = MAX_ELEMENTS
) -> etree._Element:
    """Return the root element of ``data``, or raise ``DeploymentRejected`` naming ``filename``."""
    if not isinstance(data, bytes):
        raise TypeError(f"parse_xml takes the uploaded bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        _refuse(
            filename,
            f"the file is {len(data):,} bytes; the limit is {max_bytes:,} bytes",
            "xml.too_large",
            size=len(data),
            limit=max_bytes,
        )
    if not data.strip():
        _refuse(filename, "the file is empty", "xml.empty")
    encoding, body = _sniff_encoding(data)
    if encoding in ("utf-8", "utf8"):
        _require_utf8(filename, body)
    if _has_doctype(body, encoding):
        _refuse_doctype(filename)

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        _refuse(filename, f"not well-formed XML: {_short(error)}", "xml.malformed", detail=_short(error))
    except (etree.LxmlError, ValueError) as error:
        _refuse(
            filename,
            f"the file could not be read as XML: {_short(error)}",
            "xml.unreadable",
            detail=_short(error),
        )

    # Second line of defence for encodings the prolog check cannot read (UTF-16 without a BOM, EBCDIC...).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        _refuse_doctype(filename)
    if sum(1 for _ in islice(root.iter(), max_elements + 1)) > max_elements:
        _refuse(
            filename,
            f"the file has more than {max_elements:,} elements; split it into smaller diagrams",
            "xml.too_many_elements",
            limit=max_elements,
        )
    return root


def _sniff_encoding(data: bytes) -> tuple[str, bytes]:
    """Return the effective encoding (lower case) and the bytes after any byte-order mark."""
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            return name, data[len(bom) :]
    declared = _DECLARED_ENCODING.match(data[:1024])
    return (declared.group(1).decode("ascii").lower() if declared else "utf-8"), data


def _require_utf8(filename: str, body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        _refuse(
            filename,
            f"not valid UTF-8 at byte {error.start} (line {line}): the file is read as UTF-8 (as it "
            "declares, or by XML's default) but was saved in another encoding, such as Latin-1 or "
            "Windows-1252; save it as UTF-8 and upload it again",
            "xml.bad_encoding",
            byte=error.start,
            line=line,
        )


def _has_doctype(body: bytes, encoding: str) -> bool:
    """Whether the prolog (before the root element) holds a DOCTYPE, so libxml2 never sees one.

    A DOCTYPE may only appear there, after the XML declaration, comments, processing instructions and white
    space; looking there alone is not fooled by "<!DOCTYPE" inside CDATA or a comment.
    """
    if encoding.startswith(("utf-16", "utf-32")):
        body = body[:65536].decode(encoding, errors="ignore").encode("utf-8")
    at = 0
    while True:
        at = _SPACE.match(body, at).end()
        for opening, closing in ((b"<?", b"?>"), (b"<!--", b"-->")):
            if body.startswith(opening, at):
                end = body.find(closing, at + len(opening))
                if end < 0:
                    return False  # unterminated: the parser will say so
                at = end + len(closing)
                break
        else:
            return body.startswith(b"<!DOCTYPE", at)


def _refuse_doctype(filename: str) -> NoReturn:
    _refuse(
        filename,
        "the file contains a DOCTYPE declaration; DTDs and entity declarations are not accepted in uploaded "
        "diagrams (they can read server files or expand without bound); remove the <!DOCTYPE ...> part",
        "xml.doctype",
    )


def _short(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _refuse(filename: str, message: str, code: str, **params) -> NoReturn:
    raise DeploymentRejected([Problem(filename, message, code=code, params=params)])
