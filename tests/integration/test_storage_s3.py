"""The S3 storage adapter against a real S3-compatible server (moto in server mode) on loopback.

PERSONAS_TEST_S3_ENDPOINT names a running server; without it the fixture starts `moto_server` on a free
loopback port for the session. A missing moto is a skip, and a failure under CI=true.
"""

import dataclasses
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from personas.config import Settings
from personas.persistence.storage import open_storage, storage_for
from tests.api.test_files import PNG, person  # noqa: F401 - the person fixture

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, process) -> None:
    for _ in range(100):
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.1)
    pytest.fail("moto_server did not start")


@pytest.fixture(scope="session")
def s3_endpoint():
    if url := os.environ.get("PERSONAS_TEST_S3_ENDPOINT"):
        yield url
        return
    command = shutil.which("moto_server") or shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("moto_server is not installed: the S3 adapter must be tested under CI=true")
        pytest.skip("moto_server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [command, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, request):
    import boto3

    name = f"personas-{request.node.name.lower().replace('_', '-')[:40]}-{os.getpid()}"
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name)
    boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS).create_bucket(Bucket=name)
    return name


@pytest.fixture
def storage(s3_endpoint, bucket):
    return open_storage(f"s3://{bucket}/files", {"endpoint_url": s3_endpoint, **CREDENTIALS})


def test_a_stored_object_reads_back_in_chunks_and_deletes(storage):
    content = os.urandom(200_000)
    storage.save("media/3f1c7c1e-0000-4000-8000-000000000001", io.BytesIO(content), "application/octet-stream")
    assert b"".join(storage.chunks("media/3f1c7c1e-0000-4000-8000-000000000001")) == content
    storage.delete("media/3f1c7c1e-0000-4000-8000-000000000001")
    with pytest.raises(FileNotFoundError):
        storage.chunks("media/3f1c7c1e-0000-4000-8000-000000000001")
    storage.delete("media/3f1c7c1e-0000-4000-8000-000000000001")  # twice is safe


def test_keys_go_under_the_prefix(storage, bucket, s3_endpoint):
    import boto3

    storage.save("tmp/3f1c7c1e-0000-4000-8000-000000000002", io.BytesIO(b"abc"), "text/plain")
    listed = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["files/tmp/3f1c7c1e-0000-4000-8000-000000000002"]


def test_a_presigned_url_serves_the_file_for_the_time_asked(storage):
    storage.save("media/3f1c7c1e-0000-4000-8000-000000000003", io.BytesIO(PNG), "image/png")
    url = storage.presigned_url("media/3f1c7c1e-0000-4000-8000-000000000003", 60, "ine.png", "image/png")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == PNG
        assert response.headers["Content-Type"] == "image/png"
    # moto checks neither signatures nor response overrides, so what S3 would check is asserted on the link.
    assert "X-Amz-Expires=60" in url and "X-Amz-Signature=" in url
    assert "response-content-disposition=attachment" in url


@pytest.fixture
def api_on_s3(api, bucket, s3_endpoint, container, monkeypatch):
    """The API with its storage switched to the bucket, configured as a deployment would: by environment."""
    monkeypatch.setenv("PERSONAS_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("PERSONAS_S3_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("PERSONAS_S3_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("PERSONAS_S3_REGION", "us-east-1")
    monkeypatch.setenv("PERSONAS_STORAGE_URL", f"s3://{bucket}/api")
    monkeypatch.setenv("PERSONAS_SECRET_KEY", container.settings.secret_key)
    deployed = Settings.from_env()
    s3 = ("storage_url", "s3_endpoint_url", "s3_access_key_id", "s3_secret_access_key", "s3_region")
    settings = dataclasses.replace(container.settings, **{name: getattr(deployed, name) for name in s3})
    storage = storage_for(settings)
    for holder in (container, container.job_context):
        monkeypatch.setattr(holder, "settings", settings)
        monkeypatch.setattr(holder, "storage", storage)
    return api


def test_the_api_stores_files_in_s3_and_links_to_a_presigned_url(api_on_s3, person):  # noqa: F811
    data = {"model": "person", "model_id": person["id"]}
    created = api_on_s3.post("/files", data=data, files={"file": ("ine.png", io.BytesIO(PNG), "image/png")})
    assert created.status_code == 200, created.text
    media = created.json()["media"]
    assert media["disk"] == "s3"
    url = api_on_s3.get(f"/files/{media['uuid']}/temporary-url").json()["result"]["temporary_url"]
    assert url.startswith(os.environ["PERSONAS_S3_ENDPOINT_URL"])
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == PNG
    params = {**data, "media_uuid": media["uuid"]}
    assert api_on_s3.delete("/files", params=params).status_code == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=5)
