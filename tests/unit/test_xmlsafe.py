"""Hostile and broken XML is refused with one readable problem, before it can do harm."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from engine.deploy.xmlsafe import parse_xml
from engine.errors import DeploymentRejected

BPMN = b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>'


def refusal(data: bytes, **limits) -> str:
    """The single problem message ``parse_xml`` refuses ``data`` with."""
    with pytest.raises(DeploymentRejected) as refused:
        parse_xml(data, filename="upload.bpmn", **limits)
    (problem,) = refused.value.problems
    assert problem.file == "upload.bpmn"
    assert "Traceback" not in problem.message
    return problem.message


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    yield server
    server.close()


def assert_nobody_connected(server: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        server.accept()


def test_plain_diagram_parses_to_its_root_element():
    root = parse_xml(BPMN, filename="ok.bpmn")
    assert root.get("id") == "d"


def test_utf8_with_byte_order_mark_and_chinese_text_parses():
    data = '\ufeff<?xml version="1.0" encoding="UTF-8"?><lane name="冻结 挂失"/>'.encode()
    assert parse_xml(data, filename="zh.bpmn").get("name") == "冻结 挂失"


def test_text_is_refused_because_uploads_are_bytes():
    with pytest.raises(TypeError):
        parse_xml(BPMN.decode(), filename="x.bpmn")


def test_external_entity_reading_a_local_file_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    message = refusal(data)
    assert "DOCTYPE" in message
    assert "root:" not in message


def test_external_entity_over_the_network_is_refused_without_connecting(listener):
    port = listener.getsockname()[1]
    for url in ("http://127.0.0.1:9/x", f"http://127.0.0.1:{port}/x"):
        data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{url}">]><r>&x;</r>'.encode()
        assert "DOCTYPE" in refusal(data)
    assert_nobody_connected(listener)


def test_doctype_hidden_from_the_prolog_check_is_still_refused_without_connecting(listener):
    # UTF-16 without a byte-order mark: only libxml2 reads it, so the check after parsing must catch it.
    port = listener.getsockname()[1]
    entity = f'<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;'
    text = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [{entity}]><r/>'
    assert "DOCTYPE" in refusal(text.encode("utf-16-le"))
    assert_nobody_connected(listener)


def test_billion_laughs_is_refused_fast_without_expanding():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><r>&l9;</r>'.encode()
    started = time.perf_counter()
    assert "DOCTYPE" in refusal(data)
    assert time.perf_counter() - started < 1


def test_any_doctype_is_refused_even_after_comments_and_processing_instructions():
    assert "DOCTYPE" in refusal(b"<!DOCTYPE definitions>" + BPMN)
    assert "DOCTYPE" in refusal(
        b'<?xml version="1.0"?>\n<!-- exported --><?pi x?>\n<!DOCTYPE d SYSTEM "d.dtd"><d/>'
    )


def test_doctype_text_inside_the_document_is_not_mistaken_for_one():
    root = parse_xml(b"<r><![CDATA[<!DOCTYPE html>]]></r>", filename="cdata.bpmn")
    assert root.text == "<!DOCTYPE html>"


def test_fifty_megabytes_are_refused_by_size_before_parsing():
    data = b"<r>" + b" " * 50_000_000 + b"</r>"
    started = time.perf_counter()
    message = refusal(data)
    assert time.perf_counter() - started < 1
    assert "50,000,007 bytes" in message
    assert "5,000,000" in message


def test_sixty_thousand_elements_are_refused_by_count():
    data = b"<r>" + b"<e/>" * 60_000 + b"</r>"
    assert "more than 50,000 elements" in refusal(data)


def test_nesting_deeper_than_libxml2_allows_is_refused_readably():
    message = refusal(b"<a>" * 300 + b"</a>" * 300)
    assert message.startswith("not well-formed XML")
    assert "line 1" in message


def test_latin1_bytes_declared_as_utf8_are_refused_with_the_byte_and_advice():
    data = '<?xml version="1.0" encoding="UTF-8"?>\n<lane name="Réclamations"/>'.encode("latin-1")
    message = refusal(data)
    bad_byte = data.index(b"\xe9")
    assert f"not valid UTF-8 at byte {bad_byte} (line 2)" in message
    assert "save it as UTF-8" in message


def test_latin1_bytes_without_a_declaration_are_refused_too():
    assert "not valid UTF-8 at byte 13 (line 1)" in refusal('<lane name="Réclamations"/>'.encode("latin-1"))


def test_latin1_that_says_so_is_read_correctly():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><lane name="Réclamations"/>'.encode("latin-1")
    assert parse_xml(data, filename="fr.bpmn").get("name") == "Réclamations"


def test_broken_xml_is_refused_with_a_short_message_and_line():
    message = refusal(b"<r>\n<unclosed>\n</r>")
    assert message.startswith("not well-formed XML")
    assert "line 3" in message


def test_empty_file_is_refused():
    assert refusal(b"  \n") == "the file is empty"
