"""Builds the outside-service adapters from configuration: real ones when configured, local ones otherwise."""

from domain.providers.messaging import HttpSmsSender, LocalEmailSender, LocalSmsSender, SmtpEmailSender
from personas.config import Settings


def build_providers(settings: Settings) -> dict:
    providers: dict = {
        # Local senders write to settings.local_outbox (created on first message), so a developer can read codes.
        "sms": HttpSmsSender(settings.sms_url) if settings.sms_url else LocalSmsSender(settings.local_outbox),
        "email": SmtpEmailSender(settings.smtp_url) if settings.smtp_url else LocalEmailSender(settings.local_outbox),
    }
    return providers
