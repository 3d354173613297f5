"""The NUL guard: every part of a request searched, the field named, other bodies untouched."""

import asyncio
import json
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartgate.api.text_guard import MESSAGE, RefuseNulText, nul_in_json
from smartgate.shared.errors import FieldError


@dataclass
class Answer:
    status: int
    json: object
    app_read: bytes | None  # the body as the app behind the guard read it; None: not called


def call(path="/", query=b"", headers=(), chunks=(b"",)) -> Answer:
    """One request through the guard to an app that reads the whole body and answers 200."""
    read: list[bytes] = []
    called = False

    async def app(scope, receive, send):
        nonlocal called
        called = True
        more = True
        while more:
            message = await receive()
            read.append(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query,
        "headers": [(k.encode(), v.encode("latin-1")) for k, v in headers],
    }
    asyncio.run(RefuseNulText(app)(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(sent[0]["status"], json.loads(body), b"".join(read) if called else None)


def refused(answer: Answer) -> list[str]:
    """The fields a 422 names, after checking the answer has our usual shape."""
    assert answer.status == 422, answer
    assert answer.app_read is None
    for problem in answer.json["detail"]:
        assert problem["message"] == problem["msg"] == MESSAGE
        assert problem["type"] == "value_error"
    return [problem["field"] for problem in answer.json["detail"]]


FORM = ("content-type", "application/x-www-form-urlencoded")
JSON = ("content-type", "application/json")


def test_a_nul_in_the_path_is_refused():
    assert refused(call(path="/api/v1/gates/a\x00b/slots")) == ["path"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (b"q=a%00b", ["q"]),
        (b"limit=5&plate=%00&gate_id=huu-nghi", ["plate"]),
        (b"a%00=1", ["a\\x00"]),  # the name itself; shown escaped
        (b"q=a\x00", ["q"]),
    ],
)
def test_a_nul_in_the_query_string_names_the_parameter(query, fields):
    assert refused(call(query=query)) == fields


def test_a_nul_in_a_url_encoded_form_names_the_field():
    answer = call(headers=[FORM], chunks=[b"username=a%00b&password=demo"])
    assert refused(answer) == ["username"]


def test_a_nul_in_a_multipart_form_names_the_field_but_file_contents_may_hold_any_byte():
    boundary = "XyZ"
    parts = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\nde\x00mo\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\x00\x01\x00\r\n--{boundary}--\r\n"
    ).encode()
    headers = [("content-type", f"multipart/form-data; boundary={boundary}")]
    assert refused(call(headers=headers, chunks=[parts])) == ["password"]
    binary_only = parts.replace(b"de\x00mo", b"demo")
    assert call(headers=headers, chunks=[binary_only]).app_read == binary_only


def test_a_nul_in_json_names_the_dotted_path_of_its_string():
    body = {"gate_id": "huu-nghi", "goods": [{"description": "ok"}, {"description": "d\x00"}]}
    answer = call(headers=[JSON], chunks=[json.dumps(body).encode()])
    assert refused(answer) == ["goods.1.description"]


def test_a_key_made_of_digit_like_characters_is_named_as_text():
    # '²' passes str.isdigit() but is no index: the 422 names the key rather than failing.
    body = {"²": {"\u00d3\u0000": 1}, "list": ["a\x00"]}
    answer = call(headers=[JSON], chunks=[json.dumps(body).encode()])
    assert sorted(refused(answer)) == ["list.0", "².Ó\\x00"]


def test_json_in_utf_16_is_searched_too():
    body = json.dumps({"driver_name": "An\x00"}).encode("utf-16")
    assert refused(call(headers=[JSON], chunks=[body])) == ["driver_name"]


def test_a_nul_split_across_body_chunks_is_found():
    body = json.dumps({"reason": "closed\x00"}).encode()
    cut = body.index(b"\\u0000") + 3
    assert refused(call(headers=[JSON], chunks=[body[:cut], body[cut:]])) == ["reason"]


def test_a_nul_in_a_cookie_names_the_cookie():
    answer = call(headers=[("cookie", 'theme=dark; smartgate_token="ab\\000c"')])
    assert refused(answer) == ["smartgate_token"]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ([JSON], json.dumps({"description": "a \\u0000 written out"}).encode()),  # no NUL
        ([JSON], b'{"broken": "\\u0000'),  # not JSON: the app says so itself
        ([("content-type", "application/octet-stream")], b"\x00\x00binary"),
        ([FORM], b"note=100%25 sure"),
    ],
)
def test_bodies_that_only_look_suspect_reach_the_app_unchanged(headers, body):
    answer = call(headers=headers, chunks=[body])
    assert (answer.status, answer.app_read) == (200, body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _nul_paths(value, path=()):
    """The reference answer, written the obvious recursive way."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            for p in ([(*path, k)] if "\x00" in k else _nul_paths(v, (*path, k)))
        ]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, (*path, i))]
    return []


@given(json_values)
def test_every_string_or_key_holding_a_nul_is_named_once(document):
    expected = sorted(
        ".".join(str(p).replace("\x00", "\\x00") for p in path) or "body"
        for path in _nul_paths(document)
    )
    assert sorted(e.field for e in nul_in_json(document)) == expected
    assert all(e == FieldError(e.field, MESSAGE) for e in nul_in_json(document))


@given(json_values, st.lists(st.integers(min_value=1, max_value=64), max_size=4))
def test_a_body_without_nul_reaches_the_app_byte_for_byte(document, cuts):
    body = json.dumps(document).replace("\\u0000", "\\u0001").encode()  # NUL-free
    edges = sorted({min(c, len(body)) for c in cuts})
    chunks = [body[a:b] for a, b in zip([0, *edges], [*edges, len(body)], strict=True)]
    answer = call(headers=[JSON], chunks=chunks)
    assert (answer.status, answer.app_read) == (200, body)


@given(
    st.sampled_from(
        ["application/json", "multipart/form-data; boundary=b", "multipart/form-data",
         "application/x-www-form-urlencoded", "text/plain", ""]
    ),
    st.lists(st.binary(max_size=40) | st.sampled_from([b"\x00", b"%00", b"\\u0000", b"--b\r\n"])),
)  # fmt: skip
def test_whatever_the_body_the_guard_answers_or_passes_it_on(content_type, pieces):
    answer = call(headers=[("content-type", content_type)], chunks=[b"".join(pieces)])
    assert answer.status in (200, 422)
