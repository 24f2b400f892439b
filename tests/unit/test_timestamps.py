"""Views write moments as RFC 3339 date-times, early years included."""

from datetime import datetime

from personas.domain.timestamps import iso


def test_a_moment_is_utc_to_the_second_with_a_z():
    assert iso(datetime(2022, 7, 29, 21, 54, 55, 123456)) == "2022-07-29T21:54:55Z"


def test_a_year_before_1000_keeps_four_digits():
    assert iso(datetime(293, 4, 3)) == "0293-04-03T00:00:00Z"


def test_none_stays_none():
    assert iso(None) is None


def test_an_aware_utc_moment_is_written_alike():
    from datetime import UTC

    assert iso(datetime(293, 4, 3, 1, 2, 3, 4, tzinfo=UTC)) == "0293-04-03T01:02:03Z"
