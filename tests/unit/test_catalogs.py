"""The system catalogs: fixed ids the seed relies on, and state lookups."""

import unicodedata

import pytest
from stdnum.mx import curp as stdnum_curp

from personas.domain.catalogs import (
    MARITAL_STATUSES,
    NATIONALITIES,
    PERSON_RELATIONS,
    STATES,
    CatalogEntry,
    Nationality,
    State,
    by_code,
    by_id,
    resolve_state,
    state_by_code,
    state_by_id,
)


def sort_key(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def test_ids_of_every_catalog_run_from_one_without_gaps():
    for catalog in (STATES, NATIONALITIES, MARITAL_STATUSES, PERSON_RELATIONS):
        assert [entry.id for entry in catalog] == list(range(1, len(catalog) + 1))


def test_codes_are_unique_in_every_catalog():
    for catalog in (STATES, NATIONALITIES, MARITAL_STATUSES, PERSON_RELATIONS):
        assert len({entry.code for entry in catalog}) == len(catalog)


# --- states -------------------------------------------------------------------------------------


def test_state_7_is_mexico_city_as_in_the_seed():
    assert state_by_id(7) == State(7, "DF", "Ciudad de México", "México")


def test_there_are_32_federal_entities_in_alphabetical_order_then_born_abroad():
    entities = STATES[:32]
    assert [s.name for s in entities] == sorted((s.name for s in entities), key=sort_key)
    assert STATES[32] == State(33, "NE", "Nacido en el extranjero", None)
    assert len(STATES) == 33


def test_the_first_ten_states_have_the_expected_ids_and_codes():
    expected = ["AS", "BC", "BS", "CC", "CS", "CH", "DF", "CL", "CM", "DG"]
    assert [state_by_id(i).code for i in range(1, 11)] == expected
    assert state_by_id(32).code == "ZS"


def test_the_state_codes_are_exactly_those_stdnum_accepts_in_a_curp():
    for state in STATES:
        body = f"PESJ880212H{state.code}HLX0"
        assert stdnum_curp.is_valid(body + stdnum_curp.calc_check_digit(body)), state.code
    body = "PESJ880212HXXHLX0"
    assert not stdnum_curp.is_valid(body + stdnum_curp.calc_check_digit(body))


def test_states_are_found_by_code_in_any_case():
    assert (state_by_code("jc").name, state_by_code(" NL ").name) == ("Jalisco", "Nuevo León")


def test_unknown_codes_and_ids_give_none():
    assert (state_by_code("XX"), state_by_code(None), state_by_id(0), state_by_id(34)) == (None, None, None, None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("DF", "DF"),
        ("df", "DF"),
        ("Ciudad de México", "DF"),
        ("CIUDAD DE MEXICO", "DF"),
        ("CDMX", "DF"),
        ("Distrito Federal", "DF"),
        ("D.F.", "DF"),
        ("Estado de México", "MC"),
        ("México", "MC"),
        ("mexico", "MC"),
        ("Edo. Méx.", "MC"),
        ("Coahuila de Zaragoza", "CL"),
        ("Michoacán de Ocampo", "MN"),
        ("michoacan", "MN"),
        ("Veracruz de Ignacio de la Llave", "VZ"),
        ("Querétaro de Arteaga", "QT"),
        ("nuevo leon", "NL"),
        ("  San  Luis   Potosí ", "SP"),
        ("Estado de Jalisco", "JC"),
        ("Nacido en el extranjero", "NE"),
    ],
)
def test_a_state_is_resolved_from_a_code_or_a_name(text, code):
    assert resolve_state(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "Texas", "XX", None, 7])
def test_text_that_names_no_state_resolves_to_none(text):
    assert resolve_state(text) is None


# --- nationalities ------------------------------------------------------------------------------


def test_nationality_144_is_mexican_as_in_the_seed():
    assert by_id(NATIONALITIES, 144) == Nationality(144, "MEX", "Mexican", "Mexico")


def test_nationalities_cover_every_iso_3166_country_in_alphabetical_order():
    assert len(NATIONALITIES) == 249
    assert [n.country for n in NATIONALITIES] == sorted((n.country for n in NATIONALITIES), key=sort_key)
    assert all(len(n.code) == 3 and n.code.isalpha() and n.code.isupper() for n in NATIONALITIES)


def test_a_nationality_is_found_by_its_alpha_3_code():
    assert by_code(NATIONALITIES, "usa").name == "American"


# --- marital statuses and person relations ------------------------------------------------------


def test_marital_status_1_is_soltero_as_in_the_seed():
    assert by_id(MARITAL_STATUSES, 1) == CatalogEntry(1, "soltero", "Soltero")
    assert [m.code for m in MARITAL_STATUSES] == ["soltero", "casado", "divorciado", "viudo", "union_libre", "separado"]


def test_person_relation_1_is_hermano():
    assert by_id(PERSON_RELATIONS, 1) == CatalogEntry(1, "hermano", "Hermano")
    assert [r.code for r in PERSON_RELATIONS] == [
        "hermano",
        "padre",
        "madre",
        "hijo",
        "conyuge",
        "amigo",
        "tio",
        "primo",
        "abuelo",
        "companero_trabajo",
        "otro",
    ]


def test_catalog_codes_are_lower_case_slugs():
    for entry in MARITAL_STATUSES + PERSON_RELATIONS:
        assert entry.code.isascii() and entry.code == entry.code.lower() and " " not in entry.code
