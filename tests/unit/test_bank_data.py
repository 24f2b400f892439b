"""The CLABE rules and masking of domain/bank_data.py, and the range rules of employment and financial data."""

from datetime import date
from decimal import Decimal

import pytest

from personas.domain import bank_data, employment_data, financial_data
from personas.domain.errors import ValidationFailed

CLABE = "002010077777777771"


def errors_of(call, *args) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    return caught.value.errors


def test_a_valid_clabe_is_described_by_its_parts():
    described = bank_data.check_clabe(CLABE)
    assert described["ok"] and described["formatOk"] and described["error"] is None
    assert (described["tag"], described["bank"]) == ("BANAMEX", "Banamex")
    assert described["code"] == {"bank": "002", "city": "010"}
    assert (described["account"], described["checksum"]) == ("07777777777", 1)


@pytest.mark.parametrize("last", [d for d in "0123456789" if d != "1"])
def test_a_clabe_with_a_wrong_control_digit_is_refused(last):
    assert errors_of(bank_data.check_clabe, CLABE[:17] + last) == {"clabe": [bank_data.BAD_CONTROL_DIGIT]}


def test_a_clabe_whose_first_three_digits_are_no_bank_is_refused():
    assert errors_of(bank_data.check_clabe, "999010077777777774") == {"clabe": [bank_data.UNKNOWN_BANK]}


@pytest.mark.parametrize("clabe", ["", "00201007777777777", "0020100777777777712", "00201007777777777X"])
def test_a_clabe_that_is_not_eighteen_digits_is_refused(clabe):
    assert errors_of(bank_data.check_clabe, clabe) == {"clabe": [bank_data.BAD_FORMAT]}


def test_the_description_of_an_invalid_clabe_says_why_without_raising():
    described = bank_data.describe_clabe(CLABE[:17] + "0")
    assert (described["ok"], described["formatOk"], described["error"]) == (False, True, "invalid-checksum")
    short = bank_data.describe_clabe("123")
    assert (short["ok"], short["formatOk"], short["account"], short["checksum"]) == (False, False, None, None)


def test_refusals_never_echo_the_number():
    messages = errors_of(bank_data.check_clabe, CLABE[:17] + "0")["clabe"]
    assert all(CLABE[:17] not in m for m in messages)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("1234567890123456", "************3456"),
        ("123456789012", "********9012"),
        ("1234567890123456789", "***************6789"),
        ("12345678", "********"),
        (None, None),
    ],
)
def test_a_card_number_shows_at_most_its_last_four_digits(number, masked):
    assert bank_data.mask_card(number) == masked


def test_the_event_payload_masks_account_and_clabe_wherever_they_appear():
    view = {
        "account": "07777777777",
        "clabe": CLABE,
        "card_number": "****3456",
        "metadata": bank_data.describe_clabe(CLABE),
    }
    payload = bank_data.masked_view(view)
    assert (payload["account"], payload["clabe"]) == ("*******7777", "**************7771")
    assert (payload["metadata"]["clabe"], payload["metadata"]["account"]) == ("**************7771", "*******7777")
    assert view["clabe"] == CLABE and view["metadata"]["clabe"] == CLABE  # the API view itself is untouched


def test_bank_fields_are_checked_for_callers_that_bypass_the_spec():
    errors = errors_of(bank_data.check, {"account": "12a", "card_number": "1234", "clabe": "1", "bank": " "})
    assert set(errors) == {"account", "card_number", "clabe", "bank"}
    assert errors_of(bank_data.check, {}, ("bank", "account", "clabe")) == dict.fromkeys(
        ("bank", "account", "clabe"), [bank_data.MISSING]
    )


def test_a_termination_before_hiring_is_refused_and_the_same_day_is_accepted():
    assert errors_of(employment_data.check_period, date(2022, 1, 2), date(2022, 1, 1)) == {
        "termination_date": [employment_data.TERMINATION_BEFORE_HIRING]
    }
    employment_data.check_period(date(2022, 1, 1), date(2022, 1, 1))
    employment_data.check_period(None, date(2022, 1, 1))


def test_employment_amounts_are_rounded_to_cents_and_ranges_checked():
    cleaned = employment_data.clean({"gross_salary": 10.005, "net_salary": 0, "seniority": 3})
    assert cleaned == {"gross_salary": Decimal("10.01"), "net_salary": Decimal("0.00"), "seniority": 3}
    errors = errors_of(employment_data.clean, {"gross_salary": -1, "seniority": True, "hiring_date": "2022-01-01"})
    assert set(errors) == {"gross_salary", "seniority", "hiring_date"}


def test_financial_values_are_checked_and_amounts_rounded():
    assert financial_data.clean({"monthly_income": 1.234, "dependents": 0})["monthly_income"] == Decimal("1.23")
    errors = errors_of(financial_data.clean, {"monthly_expenses": 10**13, "dependents": -1, "metadata": [1]})
    assert set(errors) == {"monthly_expenses", "dependents", "metadata"}
