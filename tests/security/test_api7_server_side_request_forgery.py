"""API7:2023 Server Side Request Forgery: every URL-taking field refuses internal addresses."""

import pytest

from tests.support import writing

# Every URL-taking field, written every way an internal target can be spelled. These checks run in a
# network namespace with only loopback (re-run under `unshare --net` when this process is not in one):
# were a guard to fail, nothing could leave, name servers included.
INTERNAL_URLS = [
    "http://2130706433/",  # 127.0.0.1 in decimal
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[2002:7f00:1::]/",  # 6to4 carrying 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 to 169.254.169.254
    "http://localhost./",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://192.0.0.9/",
    "http://[fec0::1]/",
]
RESOLVED = ("127.0.0.1", "169.254", "::1", "7f00")


def test_url_fields_are_checked_inside_a_loopback_only_network_namespace():
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from tests.offline_dns import loopback_only

    if loopback_only():
        pytest.skip("this process is isolated already: the checks below run in it")
    if shutil.which("unshare") is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("unshare --net (as root) is required under CI=true for the SSRF checks")
        pytest.skip("unshare --net (as root) is not available")
    script = 'ip link set lo up && exec "$0" -m pytest -p no:cacheprovider -q -m "not mariadb" "$1"'
    target = f"{Path(__file__).relative_to(Path.cwd())}::TestInsideALoopbackOnlyNamespace"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERSONAS_TEST_REDIS", "PERSONAS_TEST_MARIADB"))}
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", script, sys.executable, target],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " skipped" not in done.stdout


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["success"] is False and field in response.json()["error"], response.text
    assert not any(address in response.text for address in RESOLVED), response.text


class TestInsideALoopbackOnlyNamespace:
    @pytest.fixture(autouse=True)
    def _isolated(self):
        from tests.offline_dns import loopback_only

        if not loopback_only():
            pytest.skip("run in a loopback-only namespace by the test above")

    @pytest.mark.parametrize("url", INTERNAL_URLS)
    def test_webhook_and_slack_channels_refuse_internal_urls_when_created_and_updated(self, api, url):
        events = ["person_register"]
        hook = {"name": "w", "type": "webhook", "active": True, "events": events, "config": {"url": url}}
        _refused(api.post("/notification-channels", json=hook), "config")
        _refused(api.post("/notification-channels", json=hook | {"type": "slack"}), "config")
        safe = {"name": "w", "type": "webhook", "active": False, "events": events}
        channel = api.post("/notification-channels", json=safe | {"config": {"emails": ["a@b.mx"]}, "type": "email"})
        channel_id = channel.json()["result"]["id"]
        try:
            for kind in ("webhook", "slack"):
                update = {"type": kind, "config": {"url": url}}
                _refused(api.put(f"/notification-channels/{channel_id}", json=update), "config")
        finally:
            api.delete(f"/notification-channels/{channel_id}")

    @pytest.mark.parametrize("url", INTERNAL_URLS)
    def test_partner_check_callback_urls_refuse_internal_urls_when_created_and_updated(
        self, api, url, container, monkeypatch
    ):
        import dataclasses

        body = {"name": "partner", "class": "external", "active": False, "execution_type": "manual"}
        _refused(api.post("/validations", json=body | {"config": {"url": url}}), "config.url")
        loopback = {"config": {"url": "http://127.0.0.1:9/check"}}
        _refused(api.post("/validations", json=body | loopback), "config.url")  # loopback needs the allowlist
        with monkeypatch.context() as allowed:
            settings = dataclasses.replace(container.settings, outbound_allowlist=("127.0.0.1",))
            allowed.setattr(container, "settings", settings)
            made = api.post("/validations", json=body | loopback)
        assert made.status_code == 201, made.text
        _refused(api.put(f"/validations/{made.json()['result']['id']}", json={"config": {"url": url}}), "config.url")

    @pytest.mark.parametrize("url", INTERNAL_URLS)
    def test_file_urls_refuse_internal_urls_before_anything_is_queued(self, api, url):
        from tests.support import person_body

        person = api.post("/people", json=person_body()).json()["result"]
        item = {"url": url, "model": "person", "model_id": person["id"], "collection": "docs"}
        _refused(api.post("/files/urls", json={"files": [item]}), "files.0.url")

    @pytest.mark.parametrize("url", INTERNAL_URLS)
    def test_temporary_person_callbacks_refuse_internal_urls_when_created_and_updated(self, api, url):
        # The spec's pattern refuses IPv6 literals before the guard, echoing the client's own URL: only the
        # field and the status are checked here.
        def refused(response):
            assert response.status_code == 422 and "callback_url" in response.json()["error"], response.text

        refused(api.post("/temporary-people", json={"name": "Ana", "callback_url": url}))
        made = api.post("/temporary-people", json={"name": "Ana"})
        assert made.status_code == 201, made.text
        refused(api.put(f"/temporary-people/{made.json()['result']['id']}", json={"callback_url": url}))

    def test_a_channel_row_with_an_internal_url_is_refused_by_the_delivery_guard(self, api, session_factory):
        from types import SimpleNamespace

        from personas.domain import webhooks
        from personas.jobs import senders
        from personas.persistence.models.notification_channels import NotificationChannel

        hook = {"name": "w", "type": "webhook", "active": False, "events": ["person_register"]}
        channel = api.post("/notification-channels", json=hook | {"config": {"url": "https://localhost.invalid/"}})
        assert channel.status_code == 422  # a name that does not resolve is refused as well
        channel = api.post("/notification-channels", json=hook | {"type": "email", "config": {"emails": ["a@b.mx"]}})
        channel_id = channel.json()["result"]["id"]
        try:
            for url in INTERNAL_URLS:
                with writing(session_factory) as session:
                    row = session.get(NotificationChannel, channel_id)
                    row.type, row.config, row.secret = "webhook", {"url": url}, webhooks.new_secret()
                    session.commit()
                    config, secret = dict(row.config), row.secret
                message = senders.Message("e1", "person_register", "p1", "people", {}, "webhook", config, secret)
                outcome = senders.send(message, SimpleNamespace(outbound_allowlist=()))
                assert not outcome.ok and outcome.error.startswith("refused"), (url, outcome)
                assert not any(address in outcome.error for address in RESOLVED), outcome.error
        finally:
            api.delete(f"/notification-channels/{channel_id}")
