"""The conformance kit's own decisions: which 422 is a documented refusal, and what the world puts in a case."""

import json
from types import SimpleNamespace

from personas.conformance import World, checks, runner
from personas.conformance.world import VALID_EMAILS


def answer(body: dict, status: int = 422):
    return SimpleNamespace(status_code=status, content=json.dumps(body).encode())


def case(path="/people", method="post", body=None, rules=("invalid_curp", "curp_mismatch")):
    operation = SimpleNamespace(
        path=path,
        method=method,
        label=f"{method.upper()} {path}",
        definition=SimpleNamespace(raw={checks.RULES_EXTENSION: list(rules)}),
    )
    return SimpleNamespace(operation=operation, body=body or {}, query={}, path_parameters={}, meta=None)


def refusal(field: str, code: str) -> dict:
    return {"success": False, "code": 422, "error": {field: ["..."]}, "rules": {field: [code]}}


def test_a_refusal_passes_when_every_message_names_a_rule_the_operation_documents():
    assert checks.documented_refusal(answer(refusal("national_id", "invalid_curp")), case())


def test_a_rule_the_operation_does_not_document_fails():
    assert not checks.documented_refusal(answer(refusal("national_id", "unknown_person")), case())


def test_a_message_without_a_code_fails():
    body = {"success": False, "code": 422, "error": {"national_id": ["a", "b"]}, "rules": {"national_id": ["x"]}}
    assert checks.named_rules(answer(body)) is None
    assert not checks.documented_refusal(answer({**body, "rules": {}}), case())


def test_a_refusal_of_a_value_the_world_knows_to_be_good_fails():
    world = World()
    world.know("national_id", "GOOD")
    checks.CURRENT_WORLD[:] = [world]
    try:
        assert not checks.documented_refusal(
            answer(refusal("national_id", "invalid_curp")), case(body={"national_id": "GOOD"})
        )
        assert checks.documented_refusal(
            answer(refusal("national_id", "invalid_curp")), case(body={"national_id": "OTHER"})
        )
        # An address by the service's own definition is never an invalid email, known or not.
        email = case(path="/contact-data", body={"email": "someone@example.org"}, rules=("invalid_email",))
        assert not checks.documented_refusal(answer(refusal("email", "invalid_email")), email)
        nonsense = case(path="/contact-data", body={"email": "a@localhost"}, rules=("invalid_email",))
        assert checks.documented_refusal(answer(refusal("email", "invalid_email")), nonsense)
    finally:
        checks.CURRENT_WORLD.clear()


def test_a_deleted_persons_history_stays_readable_but_nothing_else():
    assert checks._history_of("DELETE /people/1", "GET /people/1/history")
    assert not checks._history_of("DELETE /people/1", "GET /people/1")
    assert not checks._history_of("DELETE /addresses/1", "GET /addresses/1/history")


def test_an_operation_that_changes_a_record_gets_its_own_never_another_operations():
    world = World(ids={"person": "p", "person.delete": "pd", "person.put": "pp"})
    deleting = case(path="/people/{id}", method="delete")
    deleting.path_parameters = {"id": "p"}  # an id the run saw in an earlier answer
    world._protect(deleting)
    assert deleting.path_parameters == {"id": "pd"}


def test_the_world_fills_a_person_whose_fields_agree_with_its_curp():
    world = World(curps=["BEWH881014MCHBMH01"], values={"state_codes": {"CH": 6}})
    world.know("national_id", "BEWH881014MCHBMH01")
    body = {"national_id": "x", "birthdate": "2001-01-01", "gender": "MALE", "entity_of_birth": "DF", "state_id": 1}
    prepared = case(body=body)
    assert world.prepare(prepared, probability=1.0, records=False)
    assert prepared.body == {
        "national_id": "BEWH881014MCHBMH01",
        "birthdate": "1988-10-14",
        "gender": "FEMALE",
        "entity_of_birth": "CH",
        "state_id": 6,
    }


def test_the_world_writes_into_copies_of_the_cases_containers():
    world = World(curps=["BEWH881014MCHBMH01"])
    shared = {"national_id": "x", "nested": {"national_id": "y"}}
    first, second = case(body=shared), case(body=shared)
    assert world.prepare(first, probability=1.0, records=False)
    assert first.body["national_id"] == first.body["nested"]["national_id"] == "BEWH881014MCHBMH01"
    assert second.body is shared and shared == {"national_id": "x", "nested": {"national_id": "y"}}


def test_a_keyed_preparation_ignores_the_ids_in_the_cases_data():
    world = World(curps=[f"BEWH881014MCHBMH{n:02d}" for n in range(40)])

    def prepared(person_id: str, key=None):
        step = case(body={"person_id": person_id, "national_id": "x"})
        world.prepare(step, probability=1.0, records=False, key=key)
        return step.body["national_id"]

    assert len({prepared(str(n), key="3") for n in range(20)}) == 1
    assert len({prepared(str(n)) for n in range(20)}) > 1


def test_verifications_ask_about_the_address_codes_were_sent_to():
    world = World()
    prepared = case(path="/contact-data/email/verify", body={"email": "x@y.z", "code": "000000"})
    world.prepare(prepared, probability=1.0, records=False)
    assert prepared.body["email"] == VALID_EMAILS[0]


def test_the_base_url_may_name_the_api_root():
    assert runner.base_of("http://127.0.0.1:8000/api/v1/") == "http://127.0.0.1:8000"
    assert runner.base_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


class Internals:
    """What a check sees of the scenario: its cases in order, their answers, and who links to whom."""

    def __init__(self, steps, parents):
        self.steps, self.parents = steps, parents

    def find_all_cases(self):
        return [step for step, _ in self.steps]

    def find_response(self, case_id):
        return next((answer for step, answer in self.steps if step.id == case_id), None)

    def find_parent(self, case_id):
        return self.parents.get(case_id)


def step(id: str, method: str, path: str, formatted: str, body=None, parameters=None):
    made = case(path=path, method=method, body=body)
    made.id, made.formatted_path, made.path_parameters = id, formatted, parameters or {}
    return made


def test_a_person_read_by_its_curp_is_gone_once_deleted_or_given_another_curp():
    created = step("1", "post", "/people", "/people")
    made = answer({"success": True, "result": {"id": "p1", "national_id": "AAAA"}}, 201)
    read = step(
        "9", "get", "/people/national-id/{national_id}", "/people/national-id/AAAA", None, {"national_id": "AAAA"}
    )
    missing = answer({"success": False, "code": 404, "error": "..."}, 404)

    def gone(*between) -> bool:
        steps = [(created, made), *between, (read, missing)]
        return checks._person_gone_by_key(SimpleNamespace(internals=Internals(steps, {"9": created})), read)

    ok = answer({"success": True, "result": {}}, 200)
    refused = answer({"success": False, "code": 422, "error": {}}, 422)
    delete = step("2", "delete", "/people/{id}", "/people/p1")
    restore = step("3", "post", "/people/{id}/restore", "/people/p1/restore")
    moved = step("4", "put", "/people/{id}", "/people/p1", {"national_id": "BBBB"})
    kept = step("5", "put", "/people/{id}", "/people/p1", {"national_id": "aaaa ", "name": "X"})
    other = step("6", "delete", "/people/{id}", "/people/p2")

    assert not gone()
    assert gone((delete, ok))
    assert not gone((delete, refused))
    assert not gone((delete, ok), (restore, ok))
    assert gone((moved, ok))
    assert not gone((moved, ok), (kept, ok))
    assert not gone((other, ok))
