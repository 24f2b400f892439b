"""API4:2023 Unrestricted Resource Consumption: bodies, headers, nesting, spreadsheets, pages, rate limits."""

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from personas.domain import people_import, spreadsheets
from tests import xlsx_bombs
from tests.conftest import Client, make_key
from tests.security.limited_server import LIMITS, closed_by_server, get, limited_server
from tests.security.rate_limited_app import rate_limited_app
from tests.support import new_curp, person_body

# --- Rate limits per API key, and on lookups by national id ---


def _redis_url() -> str:
    url = os.environ.get("PERSONAS_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("PERSONAS_TEST_REDIS_URL is not set: Redis is required under CI=true")
        pytest.skip("PERSONAS_TEST_REDIS_URL is not set")
    return url


def test_the_request_past_the_keys_limit_is_429_with_retry_after(database_url):
    with rate_limited_app(database_url, "5/minute") as (client, _key):
        statuses = [client.get("/people").status_code for _ in range(8)]
        assert statuses == [200] * 5 + [429] * 3
        refused = client.get("/people")
        assert refused.json() == {"success": False, "code": 429, "error": "Demasiadas peticiones"}
        assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_one_keys_limit_does_not_touch_another_key(database_url, session_factory):
    with rate_limited_app(database_url, "3/minute") as (client, _key):
        assert [client.get("/people").status_code for _ in range(4)] == [200, 200, 200, 429]
        other = Client(client.http, make_key(session_factory, name="other")[0])
        assert other.get("/people").status_code == 200


def test_requests_without_a_valid_key_do_not_spend_a_keys_allowance(database_url):
    with rate_limited_app(database_url, "2/minute") as (client, _key):
        for _ in range(5):
            assert client.http.get("/api/v1/people", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert [client.get("/people").status_code for _ in range(3)] == [200, 200, 429]


def test_the_limit_is_shared_through_redis_by_every_process(database_url):
    redis_url = _redis_url()
    with rate_limited_app(database_url, "6/minute", redis_url) as (first, key):
        assert [first.get("/people").status_code for _ in range(4)] == [200] * 4
        # Another app (as another worker process would be) with its own limiter, on the same Redis.
        with rate_limited_app(database_url, "6/minute", redis_url, key=key) as (second, _):
            assert [second.get("/people").status_code for _ in range(3)] == [200, 200, 429]
    with rate_limited_app(database_url, "6/minute", None) as (alone, _):
        # Without Redis each process counts for itself.
        assert alone.get("/people").status_code == 200


def test_lookups_by_national_id_have_a_tighter_limit_of_their_own(database_url):
    with rate_limited_app(database_url, "10000/minute") as (client, _key):
        statuses = [client.get(f"/people/national-id/{new_curp()}").status_code for _ in range(121)]
        assert set(statuses[:120]) == {404} and statuses[120] == 429
        assert client.get("/people").status_code == 200


# --- The server layer: request head size, idle connections, slow heads (a real `personas serve`) ---


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    with limited_server(tmp_path_factory.mktemp("limited")) as server:
        yield server


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_a_one_megabyte_header_is_refused_at_once_and_the_server_keeps_answering(limited):
    with limited.connect() as conn:
        try:
            answer = limited.exchange(get("/health", b"X-Big: " + b"a" * 1_000_000), conn)
        except (BrokenPipeError, ConnectionResetError):
            answer = conn.recv(65536)  # refused and closed while the header was still being sent
        assert _status(answer) in (400, 431)
        assert closed_by_server(conn)
    assert _status(limited.exchange(get("/health"))) == 200


def test_headers_just_under_the_limit_are_served(limited):
    room = int(LIMITS["PERSONAS_MAX_HEADER_BYTES"]) // 2
    assert _status(limited.exchange(get("/health", b"X-Fill: " + b"a" * room))) == 200


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(limited):
    # Waits shorter than uvicorn's default of 5 s: the configured 1 s is what closes them.
    with limited.connect(timeout=4) as conn:
        assert _status(limited.exchange(get("/health"), conn)) == 200
        assert closed_by_server(conn)
    with limited.connect(timeout=4) as never_sends:
        assert closed_by_server(never_sends)


def test_a_client_sending_its_headers_a_byte_at_a_time_is_cut_off(limited):
    request = get("/health", b"X-Slow: " + b"b" * 200)[:-4]  # never complete: only a bound ends it
    with limited.connect(timeout=10) as conn:
        cut = False
        for byte in request:  # about 25 s at this pace: the head bound (1.5 s) ends it long before
            try:
                conn.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            time.sleep(0.1)
        assert cut or closed_by_server(conn)
    assert _status(limited.exchange(get("/health"))) == 200


def _refusal(raw: bytes) -> dict:
    body = json.loads(raw)
    assert body["success"] is False and body["code"] == 413 and body["error"], body
    return body


def test_a_body_over_the_cap_gets_its_413_through_clients_that_send_it_all_before_reading(limited):
    base = f"http://127.0.0.1:{limited.port}/api/v1"
    # urllib asks for `Connection: close` and writes the whole 21 MB before it reads a byte of the answer.
    big = urllib.request.Request(f"{base}/people", data=b"x" * (21 * 1024 * 1024), headers=JSON)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(big, timeout=60)
    assert refused.value.code == 413
    _refusal(refused.value.read())
    # http.client on a kept-alive connection: a 3 MB upload where files take 2 MB, then the next request.
    boundary = "personas-boundary"
    upload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG"
        + b"\0" * (3 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", limited.port, timeout=60)
    try:
        conn.request("POST", "/api/v1/files", upload, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        answer = conn.getresponse()
        assert answer.status == 413 and answer.getheader("connection") is None
        _refusal(answer.read())
        conn.request("GET", "/api/v1/health")  # the body was read to its end: the connection goes on
        assert conn.getresponse().status == 200
    finally:
        conn.close()


def test_a_refused_body_sent_slowly_or_past_reason_is_not_waited_for(limited):
    head = b"POST /api/v1/people HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    # 30 MB announced, a few bytes sent, then silence: answered once the head timeout has passed, and closed.
    with limited.connect(timeout=15) as conn:
        conn.sendall(head + b"Content-Length: 31457280\r\n\r\n" + b"x" * 1000)
        answer = limited.exchange(b"", conn)
        assert _status(answer) == 413 and b"\r\nconnection: close\r\n" in answer.lower()
        _refusal(answer.split(b"\r\n\r\n", 1)[1])
        assert closed_by_server(conn)
    # A gigabyte announced: more than is ever read, so the answer comes at once and the connection closes.
    with limited.connect(timeout=15) as conn:
        conn.sendall(head + b"Content-Length: 1000000000\r\n\r\n" + b"x" * 1000)
        answer = limited.exchange(b"", conn)
        assert _status(answer) == 413 and b"\r\nconnection: close\r\n" in answer.lower()
        assert closed_by_server(conn)
    assert _status(limited.exchange(get("/health"))) == 200


# --- Input sizes: JSON bodies and their nesting, spreadsheets, pages, import answers ---


JSON = {"content-type": "application/json"}


def nested(levels: int) -> str:
    """An object `levels` deep: {"a": {"a": ... 1 ...}}."""
    return '{"a":' * levels + "1" + "}" * levels


def test_a_json_body_over_the_size_cap_is_413(api):
    body = b'{"name": "' + b"x" * 1_100_000 + b'"}'
    response = api.post("/people", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json()["success"] is False and response.json()["code"] == 413


def test_json_nested_past_the_cap_is_400_not_a_crash(api, container):
    for levels in (container.settings.max_json_depth + 1, 950, 5000):
        raw = json.dumps(person_body() | {"extra_data": "HOLE"})
        text = raw.replace('"HOLE"', nested(levels - 1))  # the body itself is the first level
        response = api.post("/people", content=text, headers=JSON)
        assert response.status_code == 400, levels
        assert set(response.json()) == {"success", "code", "error"} and response.json()["code"] == 400
        listed = api.post("/people", content="[" * levels + "]" * levels, headers=JSON)
        assert listed.status_code == 400, levels


def test_free_form_json_up_to_the_cap_is_still_accepted_and_stored(api, container):
    cap = container.settings.max_json_depth
    text = json.dumps(person_body() | {"extra_data": "HOLE"}).replace('"HOLE"', nested(cap - 1))
    response = api.post("/people", content=text, headers=JSON)
    assert response.status_code == 201, response.text


def test_json_in_a_multipart_field_nested_past_the_cap_is_422(api):
    person = api.post("/people", json=person_body()).json()["result"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    files = {"ine_front": ("f.png", png, "image/png"), "ine_reverse": ("r.png", png, "image/png")}
    response = api.post(f"/people/{person['id']}/ine", files=files | {"ocr_data_front": (None, nested(2000))})
    assert response.status_code == 422 and set(response.json()["error"]) == {"ocr_data_front"}


def test_an_xlsx_bomb_is_refused_with_the_envelope(api):
    response = api.post("/people/import", files={"file": ("p.xlsx", xlsx_bombs.shared_strings_bomb(300), "x")})
    assert response.status_code in (413, 422)
    assert response.json()["success"] is False and set(response.json()["error"]) == {"file"}


READ_A_BOMB = """
import io, sys
from tests import xlsx_bombs
from tests.conftest import Client, make_key
from personas.domain import people_import
from personas.domain.errors import ValidationFailed
import openpyxl.reader.excel  # loaded before the baseline: only what reading the file costs is measured

def peak_kb():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])

content = xlsx_bombs.shared_strings_bomb(int(sys.argv[1]))
before = peak_kb()
try:
    list(people_import.read_rows(io.BytesIO(content)))
    refused = False
except ValidationFailed:
    refused = True
print(refused, peak_kb() - before)
"""


def test_reading_an_xlsx_bomb_is_refused_before_the_readers_memory_grows():
    root = Path(__file__).resolve().parents[2]
    for megabytes in (300, 60):  # one part past every size limit; one within them, past the ratio
        done = subprocess.run(
            [sys.executable, "-c", READ_A_BOMB, str(megabytes)], cwd=root, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        refused, grown_kb = done.stdout.split()
        assert refused == "True"
        assert int(grown_kb) < 4 * 1024  # the unpacked part alone would be `megabytes` MB


def test_per_page_over_100_is_400(api):
    response = api.get("/people?per_page=101")
    assert response.status_code == 400 and response.json()["code"] == 400


def test_the_import_answer_of_a_large_bad_csv_is_small_and_counts_every_row(api):
    header = "national_id,name,first_lastname,second_lastname,birthdate,gender,nationality_id,state_id\r\n"
    row = "BAD,N,P,M,1988-02-30,X,0,0\r\n"
    count = (2 * 1024 * 1024 - len(header)) // len(row)
    content = (header + row * count).encode()
    response = api.post("/people/import", files={"file": ("bad.csv", content, "text/csv")})
    assert response.status_code == 200
    summary, listed = response.json()["summary"], response.json()["result"]
    assert (summary["created"], summary["existing"], summary["failed"]) == (0, 0, count)
    assert len(listed) == people_import.LISTED_FAILURES
    assert summary["failed_rows_omitted"] == count - people_import.LISTED_FAILURES
    assert len(response.content) < 100 * 1024  # the file is 2 MB; every row echoed made 29 MB


def test_the_spreadsheet_limits_leave_room_for_the_100000_row_benchmark():
    assert spreadsheets.MAX_ROWS >= 2 * 100_001
    assert spreadsheets.SHEET_BYTES >= 2 * 110 * spreadsheets.MB  # a 100,000-row sheet of inline text
