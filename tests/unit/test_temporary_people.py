"""How a promotion request is put together from the body and the temporary person, and who may be promoted."""

from datetime import date
from types import SimpleNamespace

import pytest

from personas.domain.errors import NotFound, ValidationFailed
from personas.domain.temporary_people import ALREADY_PROMOTED, claim, promotion_request
from personas.spec import document


def temporary(**fields):
    empty = dict.fromkeys(
        (
            "name",
            "first_lastname",
            "second_lastname",
            "national_id",
            "tax_id",
            "birthdate",
            "gender",
            "external_ref_id",
            "facetec_ref_id",
            "extra_data",
            "bank_data",
            "employment_data",
            "person_id",
        )
    )
    return SimpleNamespace(id="t-1", **empty | fields)


class FakeRecords:
    def __init__(self, *records):
        self.records = {r.id: r for r in records}

    def get_for_update(self, record_id):
        return self.records.get(record_id)


def test_the_temporary_fields_fill_person_data_with_dates_as_the_api_writes_them():
    request = promotion_request(temporary(name="Juan", birthdate=date(1988, 2, 12), gender="MALE"), {})
    assert request["person_data"] == {"name": "Juan", "birthdate": "1988-02-12", "gender": "MALE"}


def test_person_data_wins_field_by_field_and_may_clear_one():
    request = promotion_request(
        temporary(name="Juan", tax_id="XAXX010101000", first_lastname="Perez"),
        {"person_data": {"name": "Juana", "tax_id": None, "ignore_curp_validation": True}},
    )
    assert request["person_data"] == {
        "name": "Juana",
        "first_lastname": "Perez",
        "tax_id": None,
        "ignore_curp_validation": True,
    }


def test_extra_data_merges_temporary_then_person_data_then_body():
    request = promotion_request(
        temporary(extra_data={"a": 1, "b": 1, "c": 1}),
        {"person_data": {"extra_data": {"b": 2, "c": 2}}, "extra_data": {"c": 3}},
    )
    assert request["person_data"]["extra_data"] == {"a": 1, "b": 2, "c": 3}


def test_no_extra_data_anywhere_leaves_the_field_out():
    assert "extra_data" not in promotion_request(temporary(), {"extra_data": None})["person_data"]


def test_records_come_from_the_body_or_else_from_the_temporary_person():
    stored = temporary(bank_data={"clabe": "stored"}, employment_data={"position": "stored"})
    request = promotion_request(stored, {"bank_data": {"clabe": "sent"}, "employment_data": {}})
    assert request["bank_data"] == {"clabe": "sent"}
    assert request["employment_data"] == {"position": "stored"}


def test_empty_records_everywhere_create_none():
    request = promotion_request(temporary(bank_data={}, employment_data=None), {"bank_data": {}})
    assert request["bank_data"] is None and request["employment_data"] is None


def test_a_promoted_temporary_person_cannot_be_claimed_again():
    uow = SimpleNamespace(temporary_people=FakeRecords(temporary(person_id="p-1")))
    with pytest.raises(ValidationFailed) as refused:
        claim(uow, "t-1")
    assert refused.value.errors == {"id": [ALREADY_PROMOTED]}


def test_an_unknown_temporary_person_is_not_found_and_a_fresh_one_is_claimed():
    uow = SimpleNamespace(temporary_people=FakeRecords(temporary()))
    with pytest.raises(NotFound):
        claim(uow, "nope")
    assert claim(uow, "t-1").id == "t-1"


def test_temporary_records_accept_what_post_employment_data_and_post_bank_data_accept():
    """The spec repeats their fields for temporary people (without person_id); this keeps the copies equal."""
    spec = document()
    schemas = spec["components"]["schemas"]

    def fields(name, drop=()):
        props = schemas[name]["properties"].items()
        return {k: {a: b for a, b in v.items() if a != "description"} for k, v in props if k not in drop}

    assert fields("TemporaryEmploymentData") == fields("EmploymentDataCreate", drop=("person_id",))
    assert fields("TemporaryBankData") == fields("BankDataCreate", drop=("person_id",))
    required = set(schemas["BankDataCreate"]["required"]) - {"person_id"}
    assert [set(option.get("required", ())) for option in schemas["TemporaryBankData"]["anyOf"]] == [set(), required]
