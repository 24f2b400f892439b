"""CURP and RFC rules, and the person fields computed from them."""

from datetime import date, datetime

import pytest
from stdnum.mx import curp as stdnum_curp

from personas.domain.errors import ValidationFailed
from personas.domain.identity import (
    PROFILE_ITEMS,
    CurpInfo,
    age,
    check_person_identity,
    check_rfc,
    information_percentage,
    parse_curp,
    rfc_kind,
)

SEED_CURP = "PESJ880212HDFHLX01"
TODAY = date(2024, 6, 1)


def make_curp(born=date(1988, 2, 12), sex="H", state="DF", initials="PESJ", consonants="HLX", differentiator=None):
    """A valid CURP: the check digit is computed with stdnum, the century marker follows the birth year."""
    marker = differentiator or ("0" if born.year < 2000 else "A")
    body = f"{initials}{born:%y%m%d}{sex}{state}{consonants}{marker}"
    return body + stdnum_curp.calc_check_digit(body)


def with_check_digit(curp, digit):
    return curp[:17] + digit


def field_errors(excinfo):
    return excinfo.value.errors


# --- parse_curp ---------------------------------------------------------------------------------


def test_the_seed_curp_is_valid_and_decodes_to_a_man_born_in_mexico_city_in_1988():
    assert parse_curp(SEED_CURP) == CurpInfo(SEED_CURP, date(1988, 2, 12), "MALE", "DF")


def test_the_helper_builds_the_seed_curp():
    assert make_curp() == SEED_CURP


def test_a_curp_is_normalised_to_upper_case_without_surrounding_spaces():
    assert parse_curp(f"  {SEED_CURP.lower()} ").curp == SEED_CURP


def test_a_woman_s_curp_gives_female():
    assert parse_curp(make_curp(sex="M")).gender == "FEMALE"


def test_a_letter_in_position_17_means_born_in_the_2000s():
    assert parse_curp(make_curp(born=date(2005, 7, 30)), today=TODAY).birthdate == date(2005, 7, 30)


def test_a_curp_of_someone_born_abroad_has_state_ne():
    assert parse_curp(make_curp(state="NE")).state_code == "NE"


def test_a_curp_with_a_wrong_check_digit_is_refused():
    wrong = str((int(SEED_CURP[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(with_check_digit(SEED_CURP, wrong))
    assert "check digit" in field_errors(excinfo)["national_id"][0]


@pytest.mark.parametrize("value", ["PESJ880212HDFHLX0", "PESJ880212HDFHLX011", ""])
def test_a_curp_of_the_wrong_length_is_refused(value):
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(value)
    assert "18" in field_errors(excinfo)["national_id"][0]


def test_a_curp_with_digits_where_letters_go_is_refused_for_its_format():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp("P3SJ880212HDFHLX01")
    assert "format" in field_errors(excinfo)["national_id"][0]


def test_a_curp_with_an_impossible_date_is_refused():
    body = "PESJ880230HDFHLX0"  # 30 February
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(body + stdnum_curp.calc_check_digit(body))
    assert "date" in field_errors(excinfo)["national_id"][0]


def test_a_curp_with_an_unknown_state_code_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(make_curp(state="XX"))
    assert "state" in field_errors(excinfo)["national_id"][0]


def test_a_curp_with_a_sex_other_than_h_or_m_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(make_curp(sex="X"))
    assert "sex" in field_errors(excinfo)["national_id"][0]


def test_a_curp_starting_with_a_forbidden_word_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(make_curp(initials="PENE"))
    assert "forbidden" in field_errors(excinfo)["national_id"][0]


def test_a_curp_whose_birth_date_is_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(make_curp(born=date(2030, 1, 1)), today=TODAY)
    assert "future" in field_errors(excinfo)["national_id"][0]


def test_a_curp_that_is_not_text_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp(12345)
    assert list(field_errors(excinfo)) == ["national_id"]


def test_curp_messages_are_in_spanish_and_english():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_curp("ABC")
    message = field_errors(excinfo)["national_id"][0]
    assert "inválida" in message and "Invalid" in message


# --- check_person_identity ----------------------------------------------------------------------


def test_fields_the_curp_encodes_are_derived_when_absent():
    result = check_person_identity({"national_id": SEED_CURP, "name": "Juan"})
    assert result == {
        "national_id": SEED_CURP,
        "name": "Juan",
        "birthdate": date(1988, 2, 12),
        "gender": "MALE",
        "entity_of_birth": "DF",
        "state_id": 7,
    }


def test_fields_given_as_null_are_derived_too():
    result = check_person_identity({"national_id": SEED_CURP, "birthdate": None, "gender": None, "state_id": None})
    assert (result["birthdate"], result["gender"], result["state_id"]) == (date(1988, 2, 12), "MALE", 7)


def test_fields_that_agree_with_the_curp_are_accepted():
    data = {
        "national_id": SEED_CURP,
        "birthdate": date(1988, 2, 12),
        "gender": "MALE",
        "state_id": 7,
        "entity_of_birth": "DF",
    }
    assert check_person_identity(data) == data


def test_a_birthdate_given_as_a_datetime_is_compared_by_its_date():
    check_person_identity({"national_id": SEED_CURP, "birthdate": datetime(1988, 2, 12, 0, 0)})


def test_an_entity_of_birth_given_by_name_is_stored_as_the_curp_code():
    result = check_person_identity({"national_id": SEED_CURP, "entity_of_birth": "Ciudad de México"})
    assert result["entity_of_birth"] == "DF"


def test_a_contradicting_birthdate_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity({"national_id": SEED_CURP, "birthdate": date(1988, 2, 13)})
    assert list(field_errors(excinfo)) == ["birthdate"]


def test_every_contradicting_field_is_named_at_once():
    data = {
        "national_id": SEED_CURP,
        "birthdate": date(1990, 1, 1),
        "gender": "FEMALE",
        "state_id": 14,
        "entity_of_birth": "Jalisco",
    }
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity(data)
    assert set(field_errors(excinfo)) == {"birthdate", "gender", "state_id", "entity_of_birth"}


def test_an_unknown_state_id_contradicts_the_curp():
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity({"national_id": SEED_CURP, "state_id": 999})
    assert list(field_errors(excinfo)) == ["state_id"]


def test_someone_born_abroad_gets_the_catalog_s_ne_state():
    result = check_person_identity({"national_id": make_curp(state="NE")})
    assert (result["entity_of_birth"], result["state_id"]) == ("NE", 33)


def test_an_invalid_curp_is_refused_naming_national_id():
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity({"national_id": with_check_digit(SEED_CURP, "9")})
    assert list(field_errors(excinfo)) == ["national_id"]


def test_ignoring_curp_validation_stores_an_invalid_curp_and_derives_nothing():
    data = {"national_id": with_check_digit(SEED_CURP, "9"), "gender": "FEMALE"}
    assert check_person_identity(data, ignore_curp_validation=True) == data


def test_ignoring_curp_validation_still_normalises_case_and_spaces():
    result = check_person_identity({"national_id": " pesj880212hdfhlx09 "}, ignore_curp_validation=True)
    assert result["national_id"] == "PESJ880212HDFHLX09"


def test_an_invalid_tax_id_is_refused_alongside_the_curp_problems():
    data = {"national_id": SEED_CURP, "gender": "FEMALE", "tax_id": "NOT-AN-RFC"}
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity(data)
    assert set(field_errors(excinfo)) == {"gender", "tax_id"}


def test_the_tax_id_is_checked_even_when_curp_validation_is_ignored():
    with pytest.raises(ValidationFailed) as excinfo:
        check_person_identity({"national_id": "X", "tax_id": "GODE561331GR8"}, ignore_curp_validation=True)
    assert list(field_errors(excinfo)) == ["tax_id"]


def test_the_tax_id_is_normalised():
    assert check_person_identity({"tax_id": "gode 561231 gr8"})["tax_id"] == "GODE561231GR8"


def test_data_without_a_national_id_is_returned_unchanged():
    assert check_person_identity({"name": "Juan"}) == {"name": "Juan"}


def test_the_caller_s_dict_is_not_modified():
    data = {"national_id": SEED_CURP}
    check_person_identity(data)
    assert data == {"national_id": SEED_CURP}


# --- RFC ----------------------------------------------------------------------------------------


def test_a_person_s_rfc_is_accepted_and_normalised():
    assert check_rfc("gode-561231-gr8") == "GODE561231GR8"


def test_a_company_s_rfc_is_accepted():
    assert check_rfc("MAB-930714-8T4") == "MAB9307148T4"


def test_an_rfc_with_a_wrong_check_digit_is_accepted_as_stdnum_does_by_default():
    assert check_rfc("VACE460910SX6") == "VACE460910SX6"


def test_an_rfc_with_an_impossible_date_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        check_rfc("GODE561331GR8")
    assert "date" in field_errors(excinfo)["tax_id"][0]


def test_an_rfc_with_a_bad_format_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        check_rfc("GOD3561231GR8")
    assert "format" in field_errors(excinfo)["tax_id"][0]


@pytest.mark.parametrize("value", ["GODE561231", "GODE561231GR", "GODE561231GR8X", ""])
def test_an_rfc_that_is_neither_13_nor_12_characters_long_is_refused(value):
    with pytest.raises(ValidationFailed) as excinfo:
        check_rfc(value)
    assert list(field_errors(excinfo)) == ["tax_id"]


def test_rfcs_of_persons_and_of_companies_are_told_apart():
    assert (rfc_kind("GODE561231GR8"), rfc_kind("MAB9307148T4")) == ("person", "company")


def test_the_kind_of_an_invalid_rfc_is_refused():
    with pytest.raises(ValidationFailed):
        rfc_kind("nonsense")


# --- age ----------------------------------------------------------------------------------------


def test_age_counts_whole_years():
    assert age(date(1988, 2, 12), date(2022, 7, 29)) == 34


def test_age_goes_up_on_the_birthday_and_not_the_day_before():
    assert (age(date(1988, 2, 12), date(2024, 2, 11)), age(date(1988, 2, 12), date(2024, 2, 12))) == (35, 36)


def test_someone_born_on_29_february_turns_a_year_older_on_1_march_in_common_years():
    assert (age(date(2000, 2, 29), date(2023, 2, 28)), age(date(2000, 2, 29), date(2023, 3, 1))) == (22, 23)


def test_age_is_none_without_a_birthdate_or_for_one_in_the_future():
    assert (age(None, TODAY), age(date(2030, 1, 1), TODAY)) == (None, None)


# --- information_percentage ---------------------------------------------------------------------

SEED_PERSON = {
    "national_id": SEED_CURP,
    "name": "Juan",
    "first_lastname": "Perez",
    "second_lastname": "Suares",
    "birthdate": date(1988, 2, 12),
    "gender": "MALE",
    "tax_id": None,
    "nationality_id": 144,
    "state_id": 7,
    "entity_of_birth": "DF",
    "marital_status_id": None,
}


def test_the_profile_has_fifteen_documented_items():
    assert len(PROFILE_ITEMS) == len(set(PROFILE_ITEMS)) == 15


def test_the_seed_person_with_two_related_items_scores_0_67():
    assert information_percentage(SEED_PERSON, {"address": True, "contact_data": True}) == 0.67


def test_an_empty_person_scores_zero_and_a_complete_one_scores_one():
    complete = {**SEED_PERSON, "tax_id": "GODE561231GR8", "marital_status_id": 1}
    everything = dict.fromkeys(("address", "contact_data", "reference", "employment_data", "bank_data"), True)
    assert (information_percentage({}, {}), information_percentage(complete, everything)) == (0.0, 1.0)


def test_blank_strings_do_not_count_as_present():
    assert information_percentage({"name": "  ", "first_lastname": "Perez"}, {}) == round(1 / 15, 2)


def test_a_person_object_is_read_by_its_attributes():
    class Person:
        name = "Juan"
        national_id = SEED_CURP

    assert information_percentage(Person(), {"bank_data": True}) == 0.2
