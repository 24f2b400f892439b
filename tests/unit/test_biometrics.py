"""The person's biometrics summary, read from the latest FaceTec results."""

from datetime import datetime, timedelta

import pytest

from personas.domain.biometrics import TYPES, Result, summary, type_code, type_name

T0 = datetime(2022, 7, 29, 21, 54, 55)
LIVENESS, ENROLL, FACE_3D, FACE_2D, FACE_ID = range(5)


def result(kind, minutes=0, stored_minutes=None, **metadata):
    executed = T0 + timedelta(minutes=minutes)
    stored = executed if stored_minutes is None else T0 + timedelta(minutes=stored_minutes)
    return Result(kind, metadata, executed, stored)


def test_type_names_map_to_the_seeds_integers_and_back():
    assert [type_code(name) for name in TYPES] == [0, 1, 2, 3, 4]
    assert type_code("LIVENESS") == 0 and type_code("FACE_MATCH_ID") == 4
    assert [type_name(code) for code in range(5)] == list(TYPES)
    assert type_name(5) is None and type_name(-1) is None


def test_no_results_give_no_summary():
    assert summary([]) is None


def test_the_seeds_results_give_the_seeds_summary():
    results = [result(LIVENESS, success=True, wasProcessed=True), result(FACE_3D, 1, success=True, matchLevel=7)]
    assert summary(results) == {"liveness": True, "match_id": True, "match_level": 7}


def test_the_latest_liveness_result_decides():
    results = [result(LIVENESS, 0, success=True), result(LIVENESS, 5, success=False), result(LIVENESS, 2, success=True)]
    assert summary(results)["liveness"] is False


def test_latest_means_the_execution_date_not_the_order_of_storage():
    newer_run_stored_first = result(LIVENESS, 10, stored_minutes=0, success=True)
    older_run_stored_later = result(LIVENESS, 1, stored_minutes=20, success=False)
    assert summary([newer_run_stored_first, older_run_stored_later])["liveness"] is True


def test_a_result_that_was_not_processed_proves_nothing():
    assert summary([result(LIVENESS, success=True, wasProcessed=False)])["liveness"] is False


def test_metadata_without_a_boolean_success_gives_an_unknown_verdict():
    assert summary([result(LIVENESS, success="yes")])["liveness"] is None
    assert summary([Result(LIVENESS, None, T0, T0)])["liveness"] is None


def test_the_latest_match_of_any_kind_gives_match_id_and_level():
    results = [
        result(FACE_3D, 0, success=True, matchLevel=9),
        result(FACE_ID, 3, success=False, matchLevel=2),
        result(FACE_2D, 1, success=True, matchLevel=8),
    ]
    assert summary(results) == {"liveness": None, "match_id": False, "match_level": 2}


def test_liveness_and_enroll_results_are_not_matches():
    results = [result(LIVENESS, 0, success=True, matchLevel=7), result(ENROLL, 1, success=True, matchLevel=6)]
    assert summary(results) == {"liveness": True, "match_id": None, "match_level": None}


def test_enroll_results_alone_give_a_summary_of_unknowns():
    assert summary([result(ENROLL, success=True)]) == {"liveness": None, "match_id": None, "match_level": None}


@pytest.mark.parametrize(
    ("level", "read"), [(7, 7), (7.0, 7), (0, 0), (7.5, None), ("7", None), (True, None), (-1, None)]
)
def test_match_level_is_kept_only_when_it_is_a_non_negative_integer(level, read):
    assert summary([result(FACE_3D, success=True, matchLevel=level)])["match_level"] == read
