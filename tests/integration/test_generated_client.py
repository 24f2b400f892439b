"""A client generated from the published spec with openapi-python-client, used against the service running
for real: `personas serve` on a loopback port, SQLite in a temporary folder, jobs and the event relay in
the server's own process, a key made with `personas api-keys create`, as a partner would set it up.

The client is generated from the document the service publishes (`/api/v1/openapi.json`), not from the
files the spec is authored in. A generator warning means a part of the API missing from partners'
clients (an operation, an answer, a model), so any warning fails here.

The scenario names the generated operations and the request models the generator derives from the
body's schema, never the per-status envelope models (`CreateAddressResponse201`): their names follow
the statuses, and the answer's `result` is read through `.parsed` whatever class carries it.
"""

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import time
import types
import typing
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from tests.integration.receivers import Receiver, free_port

PERSONAS = [sys.executable, "-m", "personas.cli"]
# The generator's executable and ruff (its post-generation hook) live beside this interpreter.
BIN = Path(sys.executable).parent
# PEP 508 names: what pip accepts as a distribution's name.
VALID_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("generated-client")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
    env |= {
        "PERSONAS_DATABASE_URL": f"sqlite:///{workdir / 'personas.sqlite3'}",
        "PERSONAS_LOCAL_OUTBOX": str(workdir / "outbox"),
        "PERSONAS_STORAGE_URL": str(workdir / "files"),
        "PERSONAS_SECRET_KEY": "generated-client-secret",
        # The webhook receiver is on loopback, which the outbound guard refuses unless allowed.
        "PERSONAS_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "PERSONAS_RELAY_INTERVAL": "0.1",
        "PERSONAS_ACCESS_LOG": "0",
    }
    created = subprocess.run(
        [*PERSONAS, "api-keys", "create", "--name", "generated-client"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [*PERSONAS, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        _wait_until_up(f"{base}/health", server)
        yield types.SimpleNamespace(url=base, key=key, outbox=workdir / "outbox")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            pytest.fail(f"personas serve exited: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def published(service, tmp_path_factory) -> Path:
    with urllib.request.urlopen(f"{service.url}/openapi.json", timeout=30) as answer:
        document = json.loads(answer.read())
    path = tmp_path_factory.mktemp("published") / "openapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def generated(published, tmp_path_factory):
    """The generated project (named from the spec's title, as the generator does by default) and its
    package, imported from the temporary folder."""
    where = tmp_path_factory.mktemp("client")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(published), "--fail-on-warning"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "warning" not in output.lower(), output
    (project,) = where.iterdir()
    (package_dir,) = (p for p in project.iterdir() if (p / "__init__.py").exists())
    sys.path.insert(0, str(project))
    try:
        package = importlib.import_module(package_dir.name)
        yield types.SimpleNamespace(project=project, package_dir=package_dir, package=package)
    finally:
        sys.path.remove(str(project))
        for name in [n for n in sys.modules if n.split(".")[0] == package_dir.name]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def document(published) -> dict:
    return json.loads(published.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def operations(generated) -> dict[str, types.ModuleType]:
    """Every generated endpoint module, by operationId (the generator names each module after it)."""
    api = importlib.import_module(f"{generated.package.__name__}.api")
    found = {}
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed"):
            found[info.name.rsplit(".", 1)[1]] = module
    return found


def test_the_project_has_a_valid_name_and_every_module_and_operation_is_generated(generated, document, operations):
    name = re.search(r'^name = "(.+)"$', (generated.project / "pyproject.toml").read_text(), re.M).group(1)
    assert VALID_PROJECT_NAME.match(name), name
    assert generated.package.__name__.isidentifier()
    for info in pkgutil.walk_packages(generated.package.__path__, f"{generated.package.__name__}."):
        importlib.import_module(info.name)
    # A model the generator gave up on is still imported where it is used, lazily (inside `from_dict`).
    models = generated.package_dir / "models"
    for source in generated.package_dir.rglob("*.py"):
        for name in re.findall(r"from \.+models\.(\w+) import", source.read_text(encoding="utf-8")):
            assert (models / f"{name}.py").exists(), f"{source.name} imports {name}, which was not generated"
    declared = {
        op["operationId"]
        for item in document["paths"].values()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }
    assert declared == set(operations)


def body_examples(document: dict) -> list[tuple[str, str, dict]]:
    """(operationId, where, example) for every JSON request body example: the media type's `example`
    and `examples`, and the `example` of its schema (a component's, for a `$ref`)."""
    found = []
    for item in document["paths"].values():
        for op in item.values():
            media = op.get("requestBody", {}).get("content", {}) if isinstance(op, dict) else {}
            if "application/json" not in media:
                continue
            media = media["application/json"]
            operation = op["operationId"]
            if "example" in media:
                found.append((operation, "example", media["example"]))
            for name, example in media.get("examples", {}).items():
                found.append((operation, f"examples/{name}", example["value"]))
            schema = media["schema"]
            if "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            if "example" in schema:
                found.append((operation, "schema example", schema["example"]))
    return found


def body_type(module: types.ModuleType):
    """The request body's type, as the generated operation declares it."""
    return typing.get_type_hints(module._get_kwargs)["body"]


def build(kind, value):
    """`value` as an instance of the generated type `kind` (a model, a list of them, or a union)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        failures = []
        for option in typing.get_args(kind):
            try:
                return build(option, value)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                failures.append(exc)
        raise TypeError(f"{value!r} fits none of {kind}: {failures}")
    if typing.get_origin(kind) is list:
        if not isinstance(value, list):
            raise TypeError(f"not a list: {value!r}")
        (item,) = typing.get_args(kind)
        return [build(item, v) for v in value]
    if hasattr(kind, "from_dict"):
        if not isinstance(value, dict):
            raise TypeError(f"not an object: {value!r}")
        return kind.from_dict(value)
    return value


def dump(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def same_data(value):
    """Data compared as data: a date-time is the instant it names, whichever ISO-8601 spelling
    (`Z` or `+00:00`) the generated model writes it back with."""
    if isinstance(value, dict):
        return {k: same_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [same_data(v) for v in value]
    if isinstance(value, str) and ISO_DATETIME.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def test_every_request_body_example_loads_into_its_generated_model_and_dumps_back_the_same(document, operations):
    examples = body_examples(document)
    with_json_body = {
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "application/json" in op.get("requestBody", {}).get("content", {})
    }
    assert {operation for operation, _, _ in examples} == with_json_body  # each has the spec's own example
    for operation, where, example in examples:
        model = build(body_type(operations[operation]), example)
        assert not isinstance(model, dict), f"{operation} {where}: the body has no generated model"
        assert same_data(dump(model)) == same_data(example), f"{operation} {where}"


class Api:
    """The generated operations, called with the spec's own examples; every answer must be a 2xx."""

    def __init__(self, generated, operations, document, service):
        self.operations = operations
        self.document = document
        client_module = importlib.import_module(f"{generated.package.__name__}.client")
        self.client = client_module.AuthenticatedClient(
            base_url=service.url, token=service.key, raise_on_unexpected_status=True, timeout=30.0
        )

    def example(self, operation: str, name: str | None = None) -> dict:
        """The operation's request body example (the named one of `examples`, or the first)."""
        for op, where, example in body_examples(self.document):
            if op == operation and (name is None or where == f"examples/{name}"):
                return json.loads(json.dumps(example))
        raise LookupError(operation)

    def __call__(self, operation: str, body: dict | None = None, **kwargs):
        module = self.operations[operation]
        if body is not None:
            kwargs["body"] = build(body_type(module), body)
        response = module.sync_detailed(client=self.client, **kwargs)
        assert 200 <= response.status_code < 300, (operation, response.status_code, response.content[:1000])
        assert response.parsed is not None, operation
        return response.parsed.result

    def listed(self, operation: str, **filters) -> list[str]:
        """The ids on the first page of a list (a page's `data`, or the whole list for one not paged)."""
        result = self(operation, **filters)
        return [str(item.id) for item in (result if isinstance(result, list) else result.data)]


def sent_code(outbox: Path, channel: str) -> str:
    """The code in the newest message the local sender wrote for `channel` (`sms` or `email`)."""
    lines = (outbox / f"{channel}.jsonl").read_text(encoding="utf-8").splitlines()
    newest = json.loads(lines[-1])
    assert newest["provider"] == "local"
    return re.search(r"\b(\d{6})\b", newest["body"]).group(1)


def test_a_partner_scenario_runs_through_the_generated_client(generated, operations, document, service):
    api = Api(generated, operations, document, service)
    with Receiver() as receiver:
        # A webhook channel first, so the person's registration reaches it.
        body = api.example("create_notification_channel", "webhook")
        body["events"] = ["person_register"]
        body["config"] = {"url": receiver.url, "headers": {"X-Partner-Id": "1234"}}
        channel = api("create_notification_channel", body)
        secret = channel.config.to_dict()["secret"]
        assert api("get_notification_channel", id=str(channel.id)).name == body["name"]
        assert str(channel.id) in api.listed("list_notification_channels")

        group = api("create_people_group", api.example("create_people_group"))
        assert api("get_people_group", id=str(group.id)).name == group.name
        assert str(group.id) in api.listed("list_people_groups")

        person_body = api.example("create_person") | {"people_group_id": str(group.id)}
        person = api("create_person", person_body)
        person_id = str(person.id)
        fetched = api("get_person", id=person_id)
        assert (fetched.national_id, str(fetched.people_group_id)) == (person_body["national_id"], str(group.id))
        assert person_id in api.listed("list_people")

        mine = {"person_id": person_id}
        address = api("create_address", api.example("create_address") | mine)
        assert api("get_address", id=str(address.id)).street == address.street
        assert str(address.id) in api.listed("list_addresses", person_id=person_id)

        contact = api("create_contact_data", api.example("create_contact_data") | mine)
        phone, email = contact.phone, contact.email
        api("send_contact_data_sms", api.example("send_contact_data_sms") | mine | {"phone": phone})
        code = sent_code(service.outbox, "sms")
        api("verify_contact_data_sms", api.example("verify_contact_data_sms") | mine | {"phone": phone, "code": code})
        api("send_contact_data_email", api.example("send_contact_data_email") | mine | {"email": email})
        code = sent_code(service.outbox, "email")
        verify = api.example("verify_contact_data_email") | mine | {"email": email, "code": code}
        api("verify_contact_data_email", verify)
        confirmed = api("get_contact_data", id=str(contact.id))
        assert (confirmed.sms_confirmation, confirmed.email_confirmation) == (True, True)
        assert str(contact.id) in api.listed("list_contact_data", person_id=person_id)

        reference = api("create_reference", api.example("create_reference") | mine)
        assert api("get_reference", id=str(reference.id)).name == reference.name
        assert str(reference.id) in api.listed("list_references", person_id=person_id)

        for kind in ("employment_data", "bank_data", "financial_data"):
            record = api(f"create_{kind}", api.example(f"create_{kind}") | mine)
            assert str(api(f"get_{kind}", id=str(record.id)).person_id) == person_id
            assert str(record.id) in api.listed(f"list_{kind}", person_id=person_id)

        biometric = api("create_biometric", api.example("create_biometric") | mine)
        assert api("get_biometric", id=str(biometric.id)).type_name.value == "LIVENESS"
        assert str(biometric.id) in api.listed("list_biometrics", person_id=person_id)

        prop_body = api.example("create_dynamic_property")
        for field in prop_body["descriptor"]:
            field.pop("catalog_id", None)  # the example's catalog does not exist in this database
        prop = api("create_dynamic_property", prop_body)
        assert api("get_dynamic_property", id=str(prop.id)).name == prop.name
        assert str(prop.id) in api.listed("list_dynamic_properties")
        values_body = api.example("save_dynamic_property_values") | mine | {"dynamic_property_id": str(prop.id)}
        saved = api("save_dynamic_property_values", values_body, id=str(prop.id))
        assert api("get_dynamic_value", id=str(saved.id)).values.to_dict() == values_body["values"]
        assert str(saved.id) in api.listed("list_dynamic_values", person_id=person_id)

        validation = api("create_validation", api.example("create_validation", "curp"))
        assert api("get_validation", id=str(validation.id)).class_.value == "curp"
        assert str(validation.id) in api.listed("list_validations")
        api("run_person_validations", {"validations": [str(validation.id)]}, id=person_id)
        result = _finished_result(api, person_id, str(validation.id))
        assert api("get_validation_result", id=str(result.id)).status == result.status
        assert result.status in (0, 1), result.to_dict()  # the local CURP check decides, without errors

        # The registration, delivered by the relay and signed with the channel's secret.
        delivered = receiver.wait_for(1, timeout=30)
    assert delivered, "the webhook never arrived"
    request = delivered[0]
    event = Webhook(secret).verify(request["body"], request["headers"])
    assert (event["event"], event["resource_id"]) == ("person_register", person_id)
    assert event["payload"]["national_id"] == person_body["national_id"]
    assert request["headers"]["X-Partner-Id"] == "1234"


def _finished_result(api: Api, person_id: str, validation_id: str, timeout: float = 30.0):
    """The validation's result for the person once the background run has finished (status not 3)."""
    deadline = time.monotonic() + timeout
    while True:
        results = [
            r
            for r in api("list_validation_results", model_id=person_id, validation_id=validation_id).data
            if r.status != 3
        ]
        if results:
            return results[0]
        assert time.monotonic() < deadline, "the validation never finished"
        time.sleep(0.1)
