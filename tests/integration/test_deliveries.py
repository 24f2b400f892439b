"""Events to channels with real receivers: a local HTTP server (webhooks checked with the reference
`standardwebhooks` package, Slack) and a local SMTP server (aiosmtpd). Jobs run in this process."""

import email
import email.policy
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook

from personas.domain import notification_channels as channels
from personas.domain import webhooks
from personas.domain.providers.messaging import SmtpEmailSender
from personas.jobs import metrics, relay
from personas.jobs.deliveries import deliver, deliver_many
from personas.jobs.runner import JobContext, resolve
from personas.persistence import crypto
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.migrate import upgrade
from personas.persistence.models.base import utcnow
from personas.persistence.models.deliveries import Delivery
from personas.persistence.models.notification_channels import NotificationChannel
from personas.persistence.uow import UnitOfWork
from tests.integration.receivers import Receiver, free_port

PERSON = {"id": "a777fe73-6b66-4d02-93d6-c9cc87409243", "name": "Juan", "national_id": "PESJ880212HDFHLX01"}


@pytest.fixture
def ctx(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'deliveries.sqlite3'}")
    upgrade(engine)
    settings = SimpleNamespace(
        outbound_allowlist=("127.0.0.1",),
        smtp_url=None,
        local_outbox=str(tmp_path / "outbox"),
        secret_key="test-secret",
        encryption_keys=(),
        redis_url=None,
        delivery_retry_scale=0.002,  # 5 s -> 10 ms, 300 s -> 0.6 s
        delivery_lease=5,
    )
    previous = crypto.use(crypto.build_cipher((), settings.secret_key))  # shared with other tests' apps
    yield JobContext(settings, make_session_factory(engine))
    crypto.use(previous)
    engine.dispose()


def channel(ctx, channel_type, config, events=("person_register",), active=True) -> tuple[str, str | None]:
    with UnitOfWork(ctx.session_factory) as uow:
        data = {"name": channel_type, "type": channel_type, "active": active, "events": list(events), "config": config}
        created, secret = channels.create_channel(uow, data)
        uow.commit()
        return created.id, secret


def event(ctx, name="person_register", payload=PERSON) -> str:
    with UnitOfWork(ctx.session_factory) as uow:
        uow.events.record(name, "person", payload["id"], payload)
        uow.commit()
    with ctx.session_factory() as session:
        from personas.persistence.models.events import OutboxEvent

        return session.query(OutboxEvent).order_by(OutboxEvent.created_at.desc()).first().id


def run_until(ctx, done, timeout=10.0):
    """Relay passes with jobs run at once, until `done()` or the time is up."""
    enqueue = lambda name, *args: resolve(name)(ctx, *args)  # noqa: E731
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        relay.tick(ctx, enqueue)
        time.sleep(0.02)
    return done()


def deliveries(ctx, channel_id) -> list[Delivery]:
    with ctx.session_factory() as session:
        return list(session.query(Delivery).filter_by(channel_id=channel_id))


def first(ctx, channel_id, field):
    """A field of the channel's first delivery, None while there is none."""
    found = deliveries(ctx, channel_id)
    return getattr(found[0], field) if found else None


def test_a_webhook_arrives_signed_with_the_event_id_and_the_seed_body(ctx):
    with Receiver() as receiver:
        channel_id, secret = channel(ctx, "webhook", {"url": receiver.url, "headers": {"X-Partner-Id": "1234"}})
        event_id = event(ctx)
        assert run_until(ctx, lambda: len(receiver.requests) == 1 and first(ctx, channel_id, "delivered_at"))
        [request] = receiver.requests
    verified = Webhook(secret).verify(request["body"], request["headers"])
    assert verified == {
        "event": "person_register",
        "resource_id": PERSON["id"],
        "resource_name": "person",
        "payload": PERSON,
    }
    assert request["headers"]["webhook-id"] == event_id and request["headers"]["X-Partner-Id"] == "1234"
    [delivery] = deliveries(ctx, channel_id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.next_attempt_at) == (
        "delivered",
        1,
        200,
        None,
    )


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_with_the_same_id(ctx):
    with Receiver([(500, {}, 0), (503, {}, 0)]) as receiver:
        channel_id, secret = channel(ctx, "webhook", {"url": receiver.url})
        event_id = event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "status") == "delivered")
    assert len(receiver.requests) == 3
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {event_id}
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])
    [delivery] = deliveries(ctx, channel_id)
    assert delivery.attempts == 3 and delivery.last_status_code == 200 and delivery.last_error is None


def test_a_retry_after_is_waited_for(ctx):
    with Receiver([(429, {"Retry-After": "1"}, 0)]) as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "status") == "delivered")
    one, two = receiver.requests
    assert two["time"] - one["time"] >= 0.9  # the schedule alone would have waited 10 ms


def test_a_batch_goes_over_one_connection_and_each_delivery_is_recorded_on_its_own(ctx):
    with Receiver([(200, {}, 0), (500, {}, 0)]) as receiver:
        channel_id, secret = channel(ctx, "webhook", {"url": receiver.url})
        for n in range(5):
            event(ctx, payload=PERSON | {"name": f"P{n}"})
        jobs = []
        assert relay.tick(ctx, None, lambda name, calls: jobs.extend(calls)) == 5
        [(ids, lease)] = jobs
        statuses = deliver_many(ctx, ids, lease)
    assert sorted(statuses.values()) == ["delivered"] * 4 + ["pending"]
    assert len({r["client"] for r in receiver.requests}) == 1  # one keep-alive connection for the batch
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])
    by_status = {d.status: d for d in deliveries(ctx, channel_id)}
    assert (by_status["pending"].attempts, by_status["pending"].last_status_code) == (1, 500)
    assert by_status["pending"].lease is None and by_status["pending"].next_attempt_at is not None
    assert by_status["delivered"].attempts == 1 and by_status["delivered"].lease is None


def test_a_batch_past_half_its_lease_hands_the_rest_back_unattempted(ctx):
    ctx.settings.delivery_lease = 1  # half of it is spent on the first, slow answer
    with Receiver([(200, {}, 0.7)]) as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        for n in range(3):
            event(ctx, payload=PERSON | {"name": f"P{n}"})
        jobs = []
        relay.tick(ctx, None, lambda name, calls: jobs.extend(calls))
        [(ids, lease)] = jobs
        assert list(deliver_many(ctx, ids, lease).values()) == ["delivered"]
    assert len(receiver.requests) == 1
    unsent = [d for d in deliveries(ctx, channel_id) if d.status == "pending"]
    assert len(unsent) == 2 and all(d.attempts == 0 and d.lease is None for d in unsent)
    assert relay.tick(ctx, None, lambda name, calls: None) == 2  # leased again at once, not after the lease


def test_a_redirect_is_not_followed_and_counts_as_a_failure(ctx):
    with Receiver([(302, {"Location": "http://127.0.0.1:9/elsewhere"}, 0)]) as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        event(ctx)
        assert run_until(ctx, lambda: (first(ctx, channel_id, "attempts") or 0) == 1)
        [delivery] = deliveries(ctx, channel_id)
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("pending", 302, "HTTP 302")
    assert [r["path"] for r in receiver.requests] == ["/hook"]


def test_only_active_channels_subscribed_to_the_event_get_it(ctx):
    with Receiver() as receiver:
        subscribed, _ = channel(ctx, "webhook", {"url": receiver.url})
        inactive, _ = channel(ctx, "webhook", {"url": receiver.url}, active=False)
        other, _ = channel(ctx, "webhook", {"url": receiver.url}, events=("person_restore",))
        event(ctx)
        assert run_until(ctx, lambda: [d.status for d in deliveries(ctx, subscribed)] == ["delivered"])
    assert deliveries(ctx, inactive) == [] and deliveries(ctx, other) == [] and len(receiver.requests) == 1


def test_a_channel_gets_the_events_written_after_it_not_those_still_waiting_for_the_relay(ctx):
    earlier = [event(ctx, payload=PERSON | {"id": f"00000000-0000-4000-8000-00000000000{n}"}) for n in range(3)]
    with Receiver() as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        later = event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "status") == "delivered")
        relay.tick(ctx, lambda *_: None)  # another pass: nothing is left for it
    assert [d.event_id for d in deliveries(ctx, channel_id)] == [later]
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [later]
    assert later not in earlier


def test_a_channel_turned_back_on_does_not_get_the_events_of_while_it_was_off(ctx):
    with Receiver() as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url}, active=False)
        while_off = event(ctx)
        with UnitOfWork(ctx.session_factory) as uow:
            channels.update_channel(uow, channel_id, {"active": True})
            uow.commit()
        after = event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "status") == "delivered")
        relay.tick(ctx, lambda *_: None)
    assert [d.event_id for d in deliveries(ctx, channel_id)] == [after] and while_off != after
    # Turning on a channel that is on already moves nothing: what it has not been sent yet still comes.
    pending = event(ctx)
    with UnitOfWork(ctx.session_factory) as uow:
        channels.update_channel(uow, channel_id, {"active": True, "name": "renamed"})
        uow.commit()
    relay.tick(ctx, lambda *_: None)
    assert {d.event_id for d in deliveries(ctx, channel_id)} == {after, pending}


def test_a_delivery_out_of_attempts_fails_and_a_channel_failing_for_days_is_deactivated(ctx):
    with Receiver([(500, {}, 0)] * 3) as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        event(ctx)
        assert run_until(ctx, lambda: (first(ctx, channel_id, "attempts") or 0) == 1)
        with ctx.session_factory() as session:
            delivery = session.query(Delivery).filter_by(channel_id=channel_id).one()
            delivery.attempts, delivery.next_attempt_at = webhooks.MAX_ATTEMPTS - 1, utcnow()
            # Failing for longer than DEACTIVATE_AFTER at this test's time scale.
            session.get(NotificationChannel, channel_id).failing_since = utcnow() - timedelta(days=1)
            session.commit()
        assert run_until(ctx, lambda: first(ctx, channel_id, "status") == "failed")
    [delivery] = deliveries(ctx, channel_id)
    assert delivery.attempts == webhooks.MAX_ATTEMPTS and delivery.next_attempt_at is None
    with ctx.session_factory() as session:
        found = session.get(NotificationChannel, channel_id)
        assert found.active is False and found.deactivated_at is not None


def test_a_stale_job_does_nothing(ctx):
    with Receiver() as receiver:
        channel_id, _ = channel(ctx, "webhook", {"url": receiver.url})
        event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "delivered_at"))
        delivery_id = first(ctx, channel_id, "id")
        assert deliver(ctx, delivery_id, "an-old-lease") is None
    assert len(receiver.requests) == 1


def test_a_slack_channel_gets_a_readable_message(ctx):
    with Receiver() as receiver:
        channel_id, secret = channel(ctx, "slack", {"url": receiver.url})
        event(ctx)
        assert run_until(ctx, lambda: len(receiver.requests) == 1)
        [body] = receiver.bodies()
    assert secret is None
    assert body["text"].splitlines()[:2] == ["Person registered (person_register)", f"person: {PERSON['id']}"]
    assert "national_id: PESJ880212HDFHLX01" in body["text"] and body["blocks"][0]["type"] == "section"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def test_an_email_channel_sends_a_text_and_html_message_to_every_address(ctx):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ctx.providers["email"] = SmtpEmailSender(f"smtp://127.0.0.1:{port}?from=personas@example.com")
        channel_id, _ = channel(ctx, "email", {"emails": ["ana@example.com", "luis@example.com"]})
        event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "delivered_at"))
    finally:
        controller.stop()
    assert sorted(m["To"] for m in inbox.messages) == ["ana@example.com", "luis@example.com"]
    message = inbox.messages[0]
    assert message["Subject"].strip() == f"[personas] Person registered: person {PERSON['id']}"
    kinds = {p.get_content_type(): p.get_content() for p in message.walk() if not p.is_multipart()}
    assert "Juan" in kinds["text/plain"] and "<table>" in kinds["text/html"]


def test_a_slack_channel_given_slack_channel_addresses_is_mailed(ctx):
    # The seed's Slack channel sample names `emails`: Slack's "send emails to a channel" addresses.
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ctx.providers["email"] = SmtpEmailSender(f"smtp://127.0.0.1:{port}?from=personas@example.com")
        channel_id, _ = channel(ctx, "slack", {"emails": ["alerts-aaaa@team.slack.com"]})
        event(ctx)
        assert run_until(ctx, lambda: first(ctx, channel_id, "delivered_at"))
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["alerts-aaaa@team.slack.com"]
    assert inbox.messages[0]["Subject"].strip() == f"[personas] Person registered: person {PERSON['id']}"


def test_an_email_to_an_unreachable_server_is_retried(ctx):
    ctx.providers["email"] = SmtpEmailSender(f"smtp://127.0.0.1:{free_port()}")
    channel_id, _ = channel(ctx, "email", {"emails": ["ana@example.com"]})
    event(ctx)
    assert run_until(ctx, lambda: (first(ctx, channel_id, "attempts") or 0) >= 1)
    [delivery] = deliveries(ctx, channel_id)
    assert delivery.status == "pending" and "unreachable" in delivery.last_error


def test_every_recorded_attempt_is_counted_by_outcome_for_the_metrics(ctx, monkeypatch):
    from prometheus_client import REGISTRY

    def counts():
        names = ("delivered", "failed", "gave_up", "refused")
        return {o: REGISTRY.get_sample_value("personas_deliveries_total", {"outcome": o}) for o in names}

    # The counter is process-wide, and another app of this test process may be relaying its own outbox
    # meanwhile: what this test's deliveries count is told apart by the thread that records it.
    mine, count_deliveries, this_thread = [], metrics.count_deliveries, threading.get_ident()

    def counted(outcomes):
        outcomes = list(outcomes)
        if threading.get_ident() == this_thread:
            mine.extend(outcomes)
        count_deliveries(outcomes)

    monkeypatch.setattr(metrics, "count_deliveries", counted)

    def leased():
        jobs = []
        relay.tick(ctx, None, lambda name, calls: jobs.extend(calls))
        [(ids, lease)] = jobs
        return ids, lease

    ctx.settings.delivery_retry_scale = 1  # the failed one waits 5 s: no later pass here leases it again
    before = counts()
    with Receiver([(200, {}, 0), (500, {}, 0), (200, {}, 0), (500, {}, 0)]) as receiver:
        channel(ctx, "webhook", {"url": receiver.url})
        for n in range(3):
            event(ctx, payload=PERSON | {"name": f"P{n}"})
        deliver_many(ctx, *leased())  # 200, 500 (retried later), 200
        last_try, _ = channel(ctx, "webhook", {"url": receiver.url}, events=("person_restore",))
        event(ctx, name="person_restore")
        ids, lease = leased()
        with ctx.session_factory() as session:
            session.query(Delivery).filter_by(channel_id=last_try).update({"attempts": webhooks.MAX_ATTEMPTS - 1})
            session.commit()
        assert deliver_many(ctx, ids, lease) == {ids[0]: "failed"}  # its last attempt: 500
    switched_off, _ = channel(ctx, "webhook", {"url": "http://127.0.0.1:9/"}, events=("person_fail_validation",))
    event(ctx, name="person_fail_validation")
    ids, lease = leased()
    with ctx.session_factory() as session:
        session.get(NotificationChannel, switched_off).active = False  # between the fan-out and the send
        session.commit()
    deliver_many(ctx, ids, lease)
    after = counts()
    expected = {"delivered": 2, "failed": 1, "gave_up": 1, "refused": 1}
    assert {o: mine.count(o) for o in expected} == expected and len(mine) == sum(expected.values())
    assert all(after[o] - before[o] >= n for o, n in expected.items())  # and the counter took them in
