"""Redis URLs: one server, or a primary found through Sentinel."""

import pytest

from personas.persistence.redis_connections import SentinelAddress, limits_storage_uri, parse_sentinel_url


def test_a_sentinel_url_names_its_sentinels_service_and_database():
    assert parse_sentinel_url("redis+sentinel://:s%40cret@10.0.0.1:26379,[::1]:26380,sentinel-c/personas/2") == (
        SentinelAddress((("10.0.0.1", 26379), ("::1", 26380), ("sentinel-c", 26379)), "personas", 2, "s@cret")
    )
    assert parse_sentinel_url("redis+sentinel://127.0.0.1:26379/personas").db == 0


def test_other_schemes_are_not_sentinel_and_a_service_is_required():
    assert parse_sentinel_url("redis://127.0.0.1:6379/0") is None
    with pytest.raises(ValueError):
        parse_sentinel_url("redis+sentinel://127.0.0.1:26379")


def test_the_rate_limiter_counts_on_the_primary_of_the_same_service():
    uri, options = limits_storage_uri("redis+sentinel://127.0.0.1:1,127.0.0.1:2/personas/3")
    assert uri == "async+redis+sentinel://127.0.0.1:1,127.0.0.1:2/personas"
    assert options["db"] == 3 and options["use_replicas"] is False
    assert limits_storage_uri("redis://127.0.0.1:6379/0") == ("async+redis://127.0.0.1:6379/0", {})
