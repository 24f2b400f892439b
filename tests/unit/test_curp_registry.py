"""The CURP registry: the HTTP adapter against a fake registry on 127.0.0.1, the local adapter, the CSV an
operator loads, and the settings that choose between them."""

import socket
from datetime import UTC, date, datetime

import pytest

from personas.config import Settings
from personas.domain.providers.registry import (
    CSV_HEADER,
    CurpNotInRegistry,
    HttpCurpRegistry,
    LocalCurpRegistry,
    RegistryRecord,
    RegistryUnavailable,
    read_csv,
    retry_after,
)
from personas.providers import build_providers
from tests.fake_registry import sample_record
from tests.support import new_curp

CURP = new_curp(born=date(1988, 2, 12), sex="M", state="DF")


# --- the HTTP adapter ------------------------------------------------------------------------------


def test_a_known_curp_is_the_registrys_record(fake_registry):
    fake_registry.add(sample_record(CURP, second_lastname=None, status_detail=None))
    record = fake_registry.adapter().lookup(f" {CURP.lower()} ")
    assert record == RegistryRecord(
        curp=CURP,
        name="Ana María",
        first_lastname="López",
        second_lastname=None,
        sex="M",
        birthdate=date(1988, 2, 12),
        birth_state="DF",
        status="active",
        status_detail=None,
        source="http",
    )
    assert record.as_dict()["birthdate"] == "1988-02-12" and record.as_dict()["source"] == "http"
    [(path, headers)] = fake_registry.requests
    assert path == f"/registry/curp/{CURP}" and headers["Accept"] == "application/json"


def test_an_inactive_record_comes_back_with_its_detail(fake_registry):
    fake_registry.add(sample_record(CURP, status="inactive", status_detail="deceased"))
    record = fake_registry.adapter().lookup(CURP)
    assert (record.status, record.status_detail) == ("inactive", "deceased")


def test_the_nullable_fields_may_be_left_out(fake_registry):
    answer = sample_record(CURP)
    del answer["second_lastname"], answer["status_detail"]
    fake_registry.respond("found", curp=CURP, record=answer)
    record = fake_registry.adapter().lookup(CURP)
    assert (record.second_lastname, record.status_detail) == (None, None)


def test_a_404_is_a_curp_the_registry_does_not_know(fake_registry):
    with pytest.raises(CurpNotInRegistry):
        fake_registry.adapter().lookup(CURP)
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("not_found", curp=CURP)
    with pytest.raises(CurpNotInRegistry):
        fake_registry.adapter().lookup(CURP)


def test_an_answer_later_than_the_timeout_is_unavailable(fake_registry):
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("slow", delay=5.0)
    with pytest.raises(RegistryUnavailable) as down:
        fake_registry.adapter(timeout=0.2).lookup(CURP)
    assert down.value.retry_after == 30 and "ReadTimeout" in str(down.value)


def test_a_refused_connection_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Bound, then closed without listening: nothing accepts on that port.
    with pytest.raises(RegistryUnavailable) as down:
        HttpCurpRegistry(f"http://127.0.0.1:{port}", timeout=1.0).lookup(CURP)
    assert down.value.retry_after == 30 and CURP not in str(down.value)


def test_an_answer_that_is_not_json_is_unavailable(fake_registry):
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("garbage")
    with pytest.raises(RegistryUnavailable, match="not JSON"):
        fake_registry.adapter().lookup(CURP)


def test_a_server_error_is_unavailable_with_the_registrys_retry_after(fake_registry):
    fake_registry.respond("error", retry_after="7")
    with pytest.raises(RegistryUnavailable) as down:
        fake_registry.adapter().lookup(CURP)
    assert down.value.retry_after == 7 and "HTTP 500" in str(down.value)
    fake_registry.respond("error", status=503)
    with pytest.raises(RegistryUnavailable) as down:
        fake_registry.adapter().lookup(CURP)
    assert down.value.retry_after == 30 and "HTTP 503" in str(down.value)


def test_a_record_of_another_curp_is_unavailable(fake_registry):
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("other_curp", curp=CURP)
    with pytest.raises(RegistryUnavailable, match="another CURP"):
        fake_registry.adapter().lookup(CURP)


def test_a_redirect_is_not_followed(fake_registry):
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("redirect")
    with pytest.raises(RegistryUnavailable, match="HTTP 302"):
        fake_registry.adapter().lookup(CURP)
    assert [path for path, _ in fake_registry.requests] == [f"/registry/curp/{CURP}"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"birth_state": None}, id="birth_state left out"),
        pytest.param({"name": ""}, id="empty name"),
        pytest.param({"name": 7}, id="name not text"),
        pytest.param({"sex": "F"}, id="sex F"),
        pytest.param({"birthdate": "12/02/1988"}, id="birthdate not ISO"),
        pytest.param({"birthdate": "1988-02-30"}, id="birthdate that does not exist"),
        pytest.param({"birth_state": "df"}, id="state in lower case"),
        pytest.param({"status": "deceased"}, id="status not active or inactive"),
        pytest.param({"name": float("nan")}, id="NaN"),
        pytest.param({"name": "A" * 70_000}, id="answer over 64 KiB"),
    ],
)
def test_a_record_missing_a_field_or_of_the_wrong_shape_is_unavailable(fake_registry, change):
    answer = {key: value for key, value in (sample_record(CURP) | change).items() if value is not None}
    fake_registry.respond("found", curp=CURP, record=answer)
    with pytest.raises(RegistryUnavailable):
        fake_registry.adapter().lookup(CURP)


def test_a_json_answer_that_is_not_an_object_is_unavailable(fake_registry):
    fake_registry.respond("found", curp=CURP, record=[sample_record(CURP)])
    with pytest.raises(RegistryUnavailable, match="not a JSON object"):
        fake_registry.adapter().lookup(CURP)


def test_retry_after_reads_seconds_and_http_dates_within_bounds():
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    assert retry_after("12", now) == 12
    assert retry_after("Sat, 01 Jun 2024 12:01:30 GMT", now) == 90
    assert retry_after("Sat, 01 Jun 2024 11:00:00 GMT", now) == 1  # already past: at once, not never
    assert retry_after("999999", now) == 3600
    assert retry_after("0", now) == 1
    assert (retry_after(None, now), retry_after("soon", now), retry_after("-5", now), retry_after("", now)) == (
        30,
        30,
        30,
        30,
    )


def test_an_answer_dripped_a_byte_at_a_time_is_cut_at_twice_the_timeout(fake_registry):
    # Each byte comes within the read timeout (0.3 s), so only the whole-answer bound stops it: the record
    # (~250 bytes at 0.1 s each) would take ~25 s.
    fake_registry.add(sample_record(CURP))
    fake_registry.respond("drip", delay=0.1)
    with pytest.raises(RegistryUnavailable, match="took too long"):
        fake_registry.adapter(timeout=0.3).lookup(CURP)


def test_the_adapter_refuses_a_url_that_is_not_http_and_a_timeout_that_is_not_positive():
    with pytest.raises(ValueError, match="http"):
        HttpCurpRegistry("ftp://127.0.0.1/registry")
    with pytest.raises(ValueError, match="TIMEOUT"):
        HttpCurpRegistry("http://127.0.0.1/registry", timeout=0)


# --- the local adapter -----------------------------------------------------------------------------


def test_the_local_adapter_reads_the_row_find_gives():
    asked = []
    row = sample_record(CURP) | {"birthdate": date(1988, 2, 12), "loaded_at": datetime(2024, 6, 1)}

    def find(curp):
        asked.append(curp)
        return row if curp == CURP else None

    registry = LocalCurpRegistry(find)
    record = registry.lookup(CURP.lower())
    assert record.source == "local" and record.birthdate == date(1988, 2, 12) and record.name == "Ana María"
    with pytest.raises(CurpNotInRegistry):
        registry.lookup(new_curp())
    assert asked[0] == CURP


# --- the CSV an operator loads ---------------------------------------------------------------------


def _line(record: dict) -> str:
    return ",".join("" if record[k] is None else str(record[k]) for k in CSV_HEADER.split(",")) + "\n"


def test_a_good_file_gives_its_records():
    other = new_curp(born=date(2001, 9, 3), sex="H", state="NE")
    lines = [CSV_HEADER + "\n", _line(sample_record(CURP)), _line(sample_record(other, second_lastname=None))]
    records, errors = read_csv(lines)
    assert errors == []
    assert [r.curp for r in records] == [CURP, other]
    assert records[1].second_lastname is None and records[1].birth_state == "NE"
    assert records[1].birthdate == date(2001, 9, 3) and records[1].source == "local"


def test_the_columns_may_come_in_any_order():
    columns = list(reversed(CSV_HEADER.split(",")))
    record = sample_record(CURP)
    row = ",".join("" if record[c] is None else str(record[c]) for c in columns)
    records, errors = read_csv([",".join(columns) + "\n", row + "\n"])
    assert errors == [] and records[0].name == "Ana María"


def test_every_problem_is_named_with_its_line():
    good = sample_record(CURP)
    lines = [
        CSV_HEADER + "\n",
        _line(good),
        _line(good | {"curp": CURP[:17] + ("0" if CURP[17] != "0" else "1")}),  # line 3: check digit
        _line(good | {"sex": "H"}),  # line 4: disagrees with the CURP (and repeats line 2)
        _line(sample_record(new_curp()) | {"birthdate": "1970-01-01", "birth_state": "NL", "status": "gone"}),
        "a,b\n",  # line 6: too few values
        _line(sample_record(new_curp()) | {"name": ""}),  # line 7
    ]
    records, errors = read_csv(lines)
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "wrong check digit" in errors[0]
    assert "sex H does not match the CURP's M" in errors[1] and "also on line 2" in errors[1]
    assert "status must be active or inactive" in errors[2]
    assert "name is missing" in errors[4]


def test_a_row_that_disagrees_with_its_curp_names_each_field():
    row = sample_record(CURP) | {"birthdate": "1970-01-01", "birth_state": "NL"}
    _, [error] = read_csv([CSV_HEADER + "\n", _line(row)])
    assert "birthdate 1970-01-01 does not match the CURP's 1988-02-12" in error
    assert "birth_state NL does not match the CURP's DF" in error


def test_a_wrong_header_is_refused_before_any_row():
    records, errors = read_csv(["curp,name,sex,colour\n", f"{CURP},Ana,M,blue\n"])
    assert records == [] and len(errors) == 1 and errors[0].startswith("line 1: missing columns")
    assert "unknown columns: colour" in errors[0]
    assert read_csv([]) == (
        [],
        [f"line 1: missing columns: {CSV_HEADER.replace(',', ', ')} (the header is {CSV_HEADER})"],
    )


# --- settings and the composition root -------------------------------------------------------------


def test_the_registry_settings_and_their_defaults():
    assert (Settings().curp_registry_url, Settings().curp_registry_timeout) == (None, 5.0)
    unset = Settings.from_env({"PERSONAS_SECRET_KEY": "s"})
    assert (unset.curp_registry_url, unset.curp_registry_timeout) == (None, 5.0)
    env = {
        "PERSONAS_SECRET_KEY": "s",
        "PERSONAS_CURP_REGISTRY_URL": "http://127.0.0.1:9/registry",
        "PERSONAS_CURP_REGISTRY_TIMEOUT": "1.5",
    }
    settings = Settings.from_env(env)
    assert (settings.curp_registry_url, settings.curp_registry_timeout) == ("http://127.0.0.1:9/registry", 1.5)


def test_the_http_adapter_is_built_when_a_url_is_set_else_the_local_one(tmp_path):
    http = build_providers(Settings(curp_registry_url="http://127.0.0.1:9/registry/", curp_registry_timeout=1.5))
    adapter = http["curp_registry"]
    assert isinstance(adapter, HttpCurpRegistry)
    assert (adapter.base_url, adapter.timeout) == ("http://127.0.0.1:9/registry", 1.5)
    local = build_providers(Settings(local_outbox=str(tmp_path)))["curp_registry"]
    assert isinstance(local, LocalCurpRegistry)
    with pytest.raises(CurpNotInRegistry):  # without a database, no CURP is known
        local.lookup(CURP)


def test_the_configured_adapter_calls_the_configured_registry(fake_registry):
    fake_registry.add(sample_record(CURP))
    adapter = build_providers(Settings(curp_registry_url=fake_registry.url))["curp_registry"]
    assert adapter.lookup(CURP).curp == CURP
