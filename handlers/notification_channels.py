"""Notification channels and their delivery log."""

import contextlib
import uuid
from datetime import timedelta

from personas.domain import notification_channels as channels
from personas.handlers.envelope import envelope, listed, paginated
from personas.handlers.outbound_urls import config_urls, url_policy
from personas.handlers.runtime import current, unit_of_work
from personas.handlers.schemas.notification_channels import channel_in, channel_out, delivery_out
from personas.persistence.models.base import utcnow

LEASE = timedelta(seconds=30)


def list_notification_channels(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.notification_channels.page(page, per_page, cursor)
        # The seed's `result` is the list of channels; the paging goes beside it.
        return listed(result, channel_out.dump([channels.view(c) for c in result.items], many=True))


def create_notification_channel(body):
    data = channel_in.load(body)
    urls = url_policy(*config_urls(data))
    with unit_of_work() as uow:
        channel, secret = channels.create_channel(uow, data, urls)
        result = channel_out.dump(channels.view(channel, secret))
        uow.commit()
    return envelope(result), 201


def get_notification_channel(id):
    with unit_of_work() as uow:
        channel = channels.get_channel(uow, id)
        return envelope(channel_out.dump(channels.view(channel)))


def update_notification_channel(id, body):
    changes = channel_in.load(body)
    urls = url_policy(*config_urls(changes))
    with unit_of_work() as uow:
        channel, secret = channels.update_channel(uow, id, changes, urls)
        result = channel_out.dump(channels.view(channel, secret))
        uow.commit()
    return envelope(result)


def delete_notification_channel(id):
    with unit_of_work() as uow:
        channels.delete_channel(uow, id)
        uow.commit()
    return envelope({"id": id})


def list_notification_channel_deliveries(id, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = channels.deliveries(uow, id, page, per_page, cursor)
        return paginated(result, delivery_out.dump(result.items, many=True))


def retry_notification_channel_delivery(id, delivery_id):
    lease, now = str(uuid.uuid4()), utcnow()
    with unit_of_work() as uow:
        delivery = channels.get_delivery(uow, id, delivery_id)
        channels.reset_for_retry(delivery, now, lease, now + LEASE)
        uow.flush()
        result = delivery_out.dump(delivery)
        uow.commit()
    # A queue that is down is no error here: the lease runs out and the relay sends it then.
    with contextlib.suppress(Exception):
        current().jobs.enqueue("personas.jobs.deliveries.deliver", delivery_id, lease)
    return envelope(result), 202
