"""Use cases of notification channels and of their delivery log.

Use cases take a unit of work (its `notification_channels` and `deliveries`). A channel's
`config` is checked against its `type`; a webhook's secret (Standard Webhooks `whsec_<base64>`) is
kept apart from `config`, generated when not given, and shown only in the answer that set it.
"""

import binascii
from datetime import datetime

from personas.domain import emails, url_guard, webhooks
from personas.domain.errors import NotFound, Rule, Text, ValidationFailed
from personas.domain.records import get_record

NOT_FOUND = Text("No se encontró el canal de notificación", "Notification channel not found")

EVENTS = (
    "person_register",
    "person_pass_validation",
    "person_fail_validation",
    "person_restore",
    "updated_data_to_person",
    "media_added_to_model",
)
TYPES = ("email", "slack", "webhook")
# A Slack channel posts to an incoming webhook (`url`), or mails the addresses Slack gives its channels
# (`emails`, the seed's sample): one of the two, checked by SLACK_FORMS.
CONFIG_KEYS = {"webhook": {"url", "secret", "headers"}, "slack": {"url", "emails"}, "email": {"emails"}}
REQUIRED_KEYS = {"webhook": {"url"}, "slack": set(), "email": {"emails"}}
SLACK_FORMS = {"url", "emails"}
SECRET_MESSAGE = Rule(
    "webhook_secret", "whsec_ y base64 de 16 bytes o más", "Must be whsec_ followed by base64 of at least 16 bytes"
)
HEADERS_MESSAGE = Rule(
    "webhook_headers",
    "Encabezados no permitidos (transporte, enrutamiento, content-type, webhook-*, control o demasiados): {}",
    "Cannot replace framing, routing, content-type or webhook-* headers, nor send control characters: {}",
)
NOT_ALLOWED = Rule("channel_config", "No permitido en un canal {}: {}", "Not allowed for a {} channel: {}")
REQUIRED = Rule("channel_config", "Requerido en un canal {}: {}", "Required for a {} channel: {}")
CONFIG_FOR_TYPE = Rule("channel_config", "Cambiar type exige config", "config is required when type changes")
ONE_SLACK_FORM = Rule(
    "channel_config",
    "Un canal slack lleva `url` o `emails`, uno de los dos",
    "A slack channel takes either `url` or `emails`",
)
NOT_AN_OBJECT = Text("Debe ser un objeto", "config must be an object")
NO_EMAILS = Text("Lista de emails vacía", "emails must be a non-empty list")
BAD_EVENTS = Text("Eventos inválidos; un conjunto no vacío de: {}", "events must be a non-empty set of: {}")
BAD_EMAIL = Rule("invalid_email", "Email inválido: {}", "Not a valid email address: {}")


def _url_errors(url, urls) -> list[str]:
    """The URL's refusal; `urls` (domain.url_guard.UrlPolicy) also resolves it, None checks its form only."""
    if urls is not None:
        return urls.errors(url)
    try:
        url_guard.parse(url)
    except url_guard.UrlRefused as refused:
        return [refused.rule]
    return []


def _secret_errors(secret) -> list[str]:
    try:
        key = webhooks.secret_key(secret) if isinstance(secret, str) else b""
    except (binascii.Error, ValueError):
        key = b""
    if not isinstance(secret, str) or not secret.startswith(webhooks.SECRET_PREFIX) or len(key) < 16:
        return [SECRET_MESSAGE]
    return []


def check_config(channel_type: str, config, urls=None) -> dict:
    """The config cleaned for its type, or ValidationFailed on `config`; `urls` checks where a URL leads."""
    if not isinstance(config, dict):
        raise ValidationFailed({"config": [NOT_AN_OBJECT]})
    errors = []
    extra = sorted(set(config) - CONFIG_KEYS[channel_type])
    missing = sorted(REQUIRED_KEYS[channel_type] - set(config))
    if extra:
        errors.append(NOT_ALLOWED.format(channel_type, ", ".join(extra)))
    if missing:
        errors.append(REQUIRED.format(channel_type, ", ".join(missing)))
    if not errors and channel_type == "slack" and len(SLACK_FORMS & set(config)) != 1:
        errors.append(ONE_SLACK_FORM)
    if not errors and "url" in config:
        errors += _url_errors(config["url"], urls)
    if not errors and "secret" in config:
        errors += _secret_errors(config["secret"])
    if not errors and "headers" in config:
        problems = webhooks.header_problems(config["headers"])
        if problems:
            errors.append(HEADERS_MESSAGE.format(Text.joined("; ", problems)))
    if not errors and "emails" in config:
        addresses = config["emails"]
        if not isinstance(addresses, list) or not addresses:
            errors.append(NO_EMAILS)
        else:
            config = {"emails": [_email(e, errors) for e in addresses]}
    if errors:
        raise ValidationFailed({"config": errors})
    return dict(config)


def _email(value, errors: list) -> str:
    try:
        return emails.normalise(str(value))
    except emails.EmailNotValidError:
        errors.append(BAD_EMAIL.format(value))
        return value


def _check_events(events) -> list:
    if not events or any(e not in EVENTS for e in events) or len(set(events)) != len(events):
        raise ValidationFailed({"events": [BAD_EVENTS.format(", ".join(EVENTS))]})
    return list(events)


def _apply_config(channel, config: dict) -> str | None:
    """Store the config; returns the secret when it was set now (so it is shown once)."""
    config = dict(config)
    given = config.pop("secret", None)
    if channel.type != "webhook":
        channel.secret = None
    elif given:
        channel.secret = given
    elif not channel.secret:
        channel.secret = given = webhooks.new_secret()
    channel.config = config
    return given if channel.type == "webhook" else None


def create_channel(uow, data: dict, urls=None):
    """A new channel and, for a webhook, the secret to show once; `urls` as in `check_config`."""
    events = _check_events(data["events"])
    # Checked before the first write, so a refused config leaves nothing behind to roll back.
    config = check_config(data["type"], data["config"], urls)
    # Events already written, even if not yet relayed, happened before the channel: it gets later ones only.
    channel = uow.notification_channels.new(
        name=data["name"],
        type=data["type"],
        active=data["active"],
        events=events,
        config={},
        events_after=uow.events.last_sequence(),
    )
    secret = _apply_config(channel, config)
    uow.flush()
    return channel, secret


def get_channel(uow, channel_id: str):
    return get_record(uow.notification_channels, channel_id, NOT_FOUND)


def update_channel(uow, channel_id: str, changes: dict, urls=None):
    """Partial update; `config` replaces the old one and must fit the resulting type."""
    channel = get_channel(uow, channel_id)
    new_type = changes.get("type", channel.type)
    if new_type != channel.type and "config" not in changes:
        raise ValidationFailed({"config": [CONFIG_FOR_TYPE]})
    if "events" in changes:
        channel.events = _check_events(changes["events"])
    was_active = channel.active
    for field in ("name", "active"):
        if field in changes:
            setattr(channel, field, changes[field])
    if changes.get("active"):
        channel.deactivated_at = channel.failing_since = None  # an operator turned it back on
        if not was_active:  # as a new channel: the events of while it was off are not sent
            channel.events_after = uow.events.last_sequence()
    secret = None
    if "config" in changes:
        config = check_config(new_type, changes["config"], urls)
        if new_type != channel.type:
            channel.secret = None  # a webhook made anew gets a new secret
        channel.type = new_type
        secret = _apply_config(channel, config)
    uow.flush()
    return channel, secret


def delete_channel(uow, channel_id: str) -> None:
    """The channel goes, and its deliveries with it (pending ones are thereby cancelled)."""
    uow.notification_channels.delete(get_channel(uow, channel_id))
    uow.flush()


def view(channel, secret: str | None = None) -> dict:
    config = dict(channel.config or {})
    if secret:
        config["secret"] = secret
    return {
        "id": channel.id,
        "name": channel.name,
        "type": channel.type,
        "active": channel.active,
        "events": list(channel.events),
        "config": config,
        "created_at": channel.created_at,
        "updated_at": channel.updated_at,
    }


def deliveries(uow, channel_id: str, page: int, per_page: int, cursor: str | None = None):
    """A page of the channel's delivery log; 404 for an unknown channel."""
    get_channel(uow, channel_id)
    return uow.deliveries.page(page, per_page, cursor, channel_id=channel_id)


def get_delivery(uow, channel_id: str, delivery_id: str):
    get_channel(uow, channel_id)
    delivery = uow.deliveries.get(delivery_id)
    if delivery is None or delivery.channel_id != channel_id:
        raise NotFound(Text("No se encontró el envío", "Delivery not found"))
    return delivery


def reset_for_retry(delivery, now: datetime, lease: str, lease_until: datetime) -> None:
    """Manual redelivery: pending again, due now, whatever its state; the webhook-id stays the event's."""
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    delivery.lease, delivery.locked_until = lease, lease_until
