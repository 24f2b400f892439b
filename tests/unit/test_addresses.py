"""The address similarity rule: normalisation, field comparison, the score and which addresses are compared."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from personas.domain.addresses import COMPARED_FIELDS, compared_pair, normalize, same, similarity

SEED_INE = {
    "street": "Marte",
    "ext_num": "12",
    "int_num": "DEP 8",
    "state": "DF",
    "city": None,
    "municipality": "IZTACALCO",
    "colony": "Cristobal Colon",
    "zip_code": "08016",
}
T0 = datetime(2022, 7, 29, 21, 54, 22)


def address(minutes=0, source=None, current=None, **fields):
    values = SEED_INE | fields
    return SimpleNamespace(
        id=f"id-{minutes}",
        created_at=T0 + timedelta(minutes=minutes),
        source=source,
        is_current_address=current,
        **values,
    )


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Cristóbal Colón", "cristobal colon"),
        ("CRISTOBAL COLON", "cristobal colon"),
        ("Col. Cristóbal Colón", "cristobal colon"),
        ("COLONIA  Cristobal-Colon", "cristobal colon"),
        ("C. Marte", "marte"),
        ("Calle Marte", "marte"),
        ("AV. INSURGENTES SUR", "insurgentes sur"),
        ("Avenida Insurgentes Sur", "insurgentes sur"),
        ("BLVD. Ávila Camacho", "avila camacho"),
        ("Boulevard Avila Camacho", "avila camacho"),
        ("PRIV. DE LOS PINOS", "de los pinos"),
        ("FRACC. Las Palmas", "las palmas"),
        ("No. 12", "12"),
        ("NUM 12", "12"),
        ("Número 12", "12"),
        ("#12", "12"),
        ("DEP 8", "8"),
        ("Depto. 8", "8"),
        ("INT. 8", "8"),
        ("S/N", ""),
        ("s / n", ""),
        ("Sin número", ""),
        ("CD. DE MEXICO", "ciudad de mexico"),
        ("CDMX", "ciudad de mexico"),
        ("Alcaldía Iztacalco", "iztacalco"),
        ("MPIO. Zapopan", "zapopan"),
        ("Gral. Prim", "general prim"),
        ("Mz 3 Lt 5", "manzana 3 lote 5"),
        (None, ""),
        ("", ""),
    ],
)
def test_normalisation_removes_case_accents_punctuation_and_spells_out_abbreviations(written, normalised):
    assert normalize(written) == normalised


def test_a_value_made_only_of_a_descriptor_word_keeps_it_rather_than_becoming_empty():
    assert normalize("Privada") == "privada"


# --- one field ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("street", "Marte", "C. MARTE"),
        ("street", "Av. Insurgentes Sur", "AVENIDA INSURGENTES SUR"),
        ("street", "Insurgentes Sur", "Insurgentes Sr"),  # a typo stays above the threshold
        ("colony", "Cristobal Colon", "COL. CRISTÓBAL COLÓN"),
        ("municipality", "IZTACALCO", "Alcaldía Iztacalco"),
        ("city", "Ciudad de Mexico", "CDMX"),
        ("ext_num", "12", "No. 12"),
        ("ext_num", "12-A", "12 a"),
        ("ext_num", "12A", "12 A"),
        ("ext_num", "S/N", None),
        ("int_num", "DEP 8", "Depto. 8"),
        ("int_num", None, ""),
        ("state", "DF", "Ciudad de México"),
        ("state", "CDMX", "df"),
        ("state", "Edo. Méx.", "MC"),
        ("zip_code", "08016", "C.P. 08016"),
    ],
)
def test_values_written_differently_are_the_same(field, first, second):
    assert same(field, first, second)
    assert same(field, second, first)


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("street", "Marte", "Jupiter"),
        ("street", "Insurgentes Sur", "Insurgentes Norte"),
        ("colony", "Cristobal Colon", "Del Valle"),
        ("ext_num", "12", "13"),
        ("ext_num", "12", "120"),
        ("int_num", "DEP 8", None),
        ("state", "DF", "Jalisco"),
        ("zip_code", "08016", "08017"),
        ("city", "Ciudad de Mexico", None),
    ],
)
def test_values_that_name_different_things_are_different(field, first, second):
    assert not same(field, first, second)
    assert not same(field, second, first)


def test_two_empty_values_count_as_the_same():
    assert same("int_num", None, None)
    assert same("city", "", None)


# --- the score ----------------------------------------------------------------------------------


def test_the_seeds_pair_with_only_the_city_different_scores_0_875():
    ine = address(source="ine")
    declared = address(1, source="declared", city="Ciudad de Mexico", street="C. Marte", colony="Col. Cristóbal Colón")
    assert similarity(ine, declared) == {
        "street": 1,
        "ext_num": 1,
        "int_num": 1,
        "colony": 1,
        "municipality": 1,
        "city": 0,
        "state": 1,
        "zip_code": 1,
        "general_score": 0.875,
    }


def test_identical_addresses_score_one_and_all_different_score_zero():
    assert similarity(address(), address())["general_score"] == 1.0
    other = dict.fromkeys(COMPARED_FIELDS, "x") | {"state": "JC", "zip_code": "44100", "city": "Guadalajara"}
    other |= {"street": "Reforma", "ext_num": "99", "int_num": "3", "municipality": "Zapopan", "colony": "Centro"}
    scores = similarity(address(city="Ciudad de Mexico"), address(**other))
    assert scores == dict.fromkeys(COMPARED_FIELDS, 0) | {"general_score": 0.0}


def test_the_score_is_the_share_of_equal_fields():
    scores = similarity(address(), address(street="Otra", colony="Otra", municipality="Otro"))
    assert scores["general_score"] == 0.625
    scores = similarity(address(), address(street="Otra", colony="Otra", municipality="Otro", ext_num="1", city="X"))
    assert scores["general_score"] == 0.375


def test_there_is_no_score_without_both_addresses():
    assert similarity(None, address()) is None
    assert similarity(address(), None) is None


# --- which addresses are compared ---------------------------------------------------------------


def test_the_ine_address_is_compared_with_the_one_marked_current():
    ine = address(0, source="ine")
    current = address(1, source="declared", current=True)
    newer = address(2, source="declared", current=False)
    assert compared_pair([newer, current, ine]) == (ine, current)


def test_without_a_current_mark_the_newest_non_ine_address_is_the_declared_one():
    ine = address(0, source="ine")
    older, newer = address(1, source=None), address(2, source="declared")
    assert compared_pair([older, ine, newer]) == (ine, newer)


def test_the_newest_ine_address_wins_and_an_ine_address_is_never_the_declared_one():
    old_ine, new_ine = address(0, source="ine"), address(3, source="ine", current=True)
    assert compared_pair([new_ine, old_ine]) == (new_ine, None)
    declared = address(1)
    assert compared_pair([old_ine, declared, new_ine]) == (new_ine, declared)


def test_a_missing_side_leaves_none():
    assert compared_pair([]) == (None, None)
    assert compared_pair([address(source="declared")])[0] is None
