"""The seed's contract against the spec.

Every fact of `seed/extract.json` (operations, parameters, request fields, sample keys, statuses,
result types and keys: see seed_contract.py) that `personas.spec.document()` lacks or changes fails,
unless `seed/exceptions.yaml` says why; an exception that no longer matches a difference fails too.

    python -m contract_tests.seed_contract          # the counts, unexplained differences, stale exceptions
    python -m contract_tests.seed_extract SEED      # regenerate the extract from the seed
"""

import copy
import json
from pathlib import Path

import pytest

from contract_tests import seed_contract, seed_extract
from personas import spec

# The contract sources sit beside the checkout; read only to regenerate the extract and compare it
# with the committed one (skipped where they are absent).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seed" / "000_62dc5acb5b5aea27.txt"


@pytest.fixture(scope="module")
def extract() -> dict:
    return json.loads(seed_contract.EXTRACT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exceptions() -> list[dict]:
    return seed_contract.load_exceptions()


@pytest.fixture(scope="module")
def failed(extract) -> dict[str, str]:
    return seed_contract.differences(extract, spec.document())[1]


def test_the_spec_has_the_seeds_contract(failed, exceptions):
    unexplained = seed_contract.unexplained(failed, exceptions)
    assert not unexplained, "the spec lacks or changes, with no reason in seed/exceptions.yaml:\n" + "\n".join(
        f"  {key}: {message}" for key, message in unexplained.items()
    )


def test_every_exception_still_explains_a_difference(failed, exceptions):
    stale = seed_contract.stale(failed, exceptions)
    assert not stale, "seed/exceptions.yaml entries that match no difference (fixed? remove them):\n" + "\n".join(
        f"  {key}" for key in stale
    )


def test_exceptions_are_unique_and_have_reasons(exceptions):
    keys = [entry["key"] for entry in exceptions]
    assert len(keys) == len(set(keys))
    assert all(len(entry["reason"].split()) >= 5 for entry in exceptions)
    assert all(entry.get("pending", False) in (True, False) for entry in exceptions)


def test_the_extract_is_stable_text(extract):
    # Sorted keys, one layout: a regeneration shows only what changed in the seed or the parser.
    assert seed_contract.EXTRACT.read_text(encoding="utf-8") == seed_extract.dump(extract)


def test_the_extract_has_every_mapped_operation(extract):
    # API-MAP.md maps 101 operations to seed lines; the seed documents six webhook events.
    assert len(extract["operations"]) == 101
    assert all(name.split(" ", 1)[0] in ("GET", "POST", "PUT", "DELETE") for name in extract["operations"])
    assert sorted(extract["webhooks"]) == [
        "media_added_to_model",
        "person_fail_validation",
        "person_pass_validation",
        "person_register",
        "person_restore",
        "updated_data_to_person",
    ]


@pytest.mark.skipif(not SEED.exists(), reason="the seed (../shared) is not beside this checkout")
def test_the_committed_extract_is_what_the_seed_gives():
    text = seed_extract.dump(
        seed_extract.extract(SEED.read_text(encoding="utf-8"), (SHARED / "API-MAP.md").read_text(encoding="utf-8"))
    )
    assert text == seed_contract.EXTRACT.read_text(encoding="utf-8"), (
        "regenerate: python -m contract_tests.seed_extract ../shared/seed/000_62dc5acb5b5aea27.txt"
    )


# --- the comparison can fail ------------------------------------------------------------------------


def _declaring(found: seed_contract.Spec, node, key: str) -> dict:
    """The schema object (inside the document) whose `properties` declares `key`."""
    for alternative in found.alternatives(node):
        for conjunct in alternative:
            if key in conjunct.get("properties", {}):
                return conjunct
    raise AssertionError(f"{key} is not declared")


def _own(found: seed_contract.Spec, holder: dict, key: str) -> dict:
    """`holder[key]` replaced by a copy of what it refers to, so a change reaches one operation only."""
    holder[key] = copy.deepcopy(found.resolve(holder[key]))
    return holder[key]


def test_a_spec_that_drifts_from_the_seed_is_caught(extract):
    document = copy.deepcopy(spec.document())
    found = seed_contract.Spec(document)
    paths = document["paths"]

    del paths["/people-groups"]["post"]
    body = found.resolve(paths["/addresses"]["post"]["requestBody"])["content"]["application/json"]
    create_address = _own(found, body, "schema")
    _declaring(found, create_address, "person_id")["properties"]["person_id"] = {"type": "integer"}
    _declaring(found, create_address, "municipality")["required"].remove("municipality")
    answer = _declaring(found, found.success(paths["/people/{id}"]["get"], 200), "result")
    del _declaring(found, _own(found, answer["properties"], "result"), "age")["properties"]["age"]
    del paths["/people/{id}"]["get"]["responses"]["404"]
    body = found.resolve(paths["/people-groups/{id}"]["put"]["requestBody"])["content"]["application/json"]
    _declaring(found, _own(found, body, "schema"), "name")["properties"]["name"]["enum"] = ["Deudores"]

    failed = seed_contract.differences(extract, document)[1]

    assert failed["POST /people-groups | operation"] == "no such operation in the spec"
    # What sits under a missing operation is not reported again.
    assert not [key for key in failed if key.startswith("POST /people-groups | ") and "operation" not in key]
    assert failed["POST /addresses | request field person_id | type"] == "spec does not take a string"
    assert failed["POST /addresses | request field municipality | required"] == "required False, seed True"
    assert failed["GET /people/{id} | result key age"] == "key not declared"
    assert failed["GET /people/{id} | status 404"] == "status not declared"
    assert failed["PUT /people-groups/{id} | request field name | enum"] == "enum ['Deudores'], seed None"
    untouched = seed_contract.differences(extract, spec.document())[1]
    assert set(failed) - set(untouched) == {
        "POST /people-groups | operation",
        "POST /addresses | request field person_id | type",
        "POST /addresses | request field person_id | format",  # an integer has no uuid format
        "POST /addresses | request sample person_id",  # nor takes the sample's string
        "POST /addresses | request field municipality | required",
        "GET /people/{id} | result key age",
        "GET /people/{id} | status 404",
        "PUT /people-groups/{id} | request field name | enum",
    }


def test_exception_keys_are_literal_but_for_the_star():
    failed = {"GET /people/{id} | result key data[].id": "key not declared", "GET /a | status 500": "x"}
    exceptions = [
        {"key": "GET /people/{id} | result key data[].id", "reason": "r"},
        {"key": "* | status 500", "reason": "r"},
        {"key": "GET /people/{id} | result key data[]x", "reason": "r"},  # `[]` is no character class
    ]
    assert seed_contract.unexplained(failed, exceptions) == {}
    assert seed_contract.stale(failed, exceptions) == ["GET /people/{id} | result key data[]x"]
    assert seed_contract.unexplained({"GET /b | status 404": "y"}, exceptions) == {"GET /b | status 404": "y"}
