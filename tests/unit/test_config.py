"""Settings.from_env: every knob keeps the environment variable and the default README.md documents."""

from personas.config import DEFAULT_RATE_LIMIT, Limits, Settings


def test_unset_variables_give_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"PERSONAS_SECRET_KEY": "s"})
    assert settings.database_url == f"sqlite:///{tmp_path / 'personas.sqlite3'}"
    assert settings.storage_url == str(tmp_path / "personas-files")
    assert settings.local_outbox == str(tmp_path / "personas-outbox")
    assert (settings.redis_url, settings.public_url, settings.metrics_dir) == (None, None, None)
    assert settings.rate_limit == DEFAULT_RATE_LIMIT == "6000/minute"
    assert settings.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    assert (settings.delivery_lease, settings.relay_interval, settings.delivery_retry_scale) == (30.0, 1.0, 1.0)
    assert settings.delivery_batch == 25 and settings.wsgi_threads == 4 and settings.access_log is True
    assert (settings.max_json_body, settings.max_json_depth) == (1_048_576, 30)
    assert settings.limits == Limits(max_header_bytes=65536, header_timeout=10.0, keep_alive_timeout=5)
    s3 = (settings.s3_endpoint_url, settings.s3_region, settings.s3_access_key_id, settings.s3_secret_access_key)
    assert s3 == (None, None, None, None)


def test_each_variable_sets_its_knob():
    env = {
        "PERSONAS_SECRET_KEY": "s",
        "PERSONAS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "PERSONAS_S3_REGION": "us-east-1",
        "PERSONAS_S3_ACCESS_KEY_ID": "id",
        "PERSONAS_S3_SECRET_ACCESS_KEY": "secret",
        "PERSONAS_DELIVERY_LEASE": "5",
        "PERSONAS_RELAY_INTERVAL": "0.2",
        "PERSONAS_DELIVERY_BATCH": "2.5",
        "PERSONAS_DELIVERY_RETRY_SCALE": "0.002",
        "PERSONAS_ACCESS_LOG": "no",
        "PERSONAS_METRICS_DIR": "/tmp/metrics",
        "PERSONAS_MAX_HEADER_BYTES": "1024",
        "PERSONAS_HEADER_TIMEOUT": "0.5",
        "PERSONAS_KEEP_ALIVE_TIMEOUT": "2",
    }
    settings = Settings.from_env(env)
    assert (settings.s3_endpoint_url, settings.s3_region) == ("http://127.0.0.1:9000", "us-east-1")
    assert (settings.s3_access_key_id, settings.s3_secret_access_key) == ("id", "secret")
    assert (settings.delivery_lease, settings.relay_interval, settings.delivery_retry_scale) == (5.0, 0.2, 0.002)
    assert settings.delivery_batch == 2 and settings.access_log is False and settings.metrics_dir == "/tmp/metrics"
    assert settings.limits == Limits(max_header_bytes=1024, header_timeout=0.5, keep_alive_timeout=2)
