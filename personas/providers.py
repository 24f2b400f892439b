"""Builds the outside-service adapters from configuration: real ones when configured, local ones otherwise.

Adapters that call a URL get the outbound guard's policy (domain.url_guard: public addresses or the
allowlist, resolved by `resolver` within a bounded time), so a provider's redirect or a name that
moves inside the network is refused like any client URL.
"""

from personas.config import Settings
from personas.domain.providers import esign, face
from personas.domain.providers.identity import LocalIdentityProvider
from personas.domain.providers.messaging import HttpSmsSender, LocalEmailSender, LocalSmsSender, SmtpEmailSender
from personas.domain.providers.resolver import SystemResolver
from personas.domain.url_guard import Allowlist, UrlPolicy


def build_providers(settings: Settings) -> dict:
    resolver = SystemResolver()
    policy = UrlPolicy(Allowlist.parse(settings.outbound_allowlist), resolver)
    providers: dict = {
        "resolver": resolver,
        # Local senders write to settings.local_outbox (created on first message), so a developer can read codes.
        "sms": (
            HttpSmsSender(settings.sms_url, policy=policy)
            if settings.sms_url
            else LocalSmsSender(settings.local_outbox)
        ),
        "email": SmtpEmailSender(settings.smtp_url) if settings.smtp_url else LocalEmailSender(settings.local_outbox),
        "face": face.HttpFaceVerifier(settings.face_url, policy=policy)
        if settings.face_url
        else face.LocalFaceVerifier(),
        # The local platform keeps its signers and documents in this database.
        "esign": esign.HttpESign(settings.esign_url, policy=policy) if settings.esign_url else esign.LocalESign(),
        # No real identity adapter is configured yet: the local one answers, and says so in its metadata.
        "identity": LocalIdentityProvider(),
    }
    return providers
