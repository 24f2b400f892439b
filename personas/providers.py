"""Builds the outside-service adapters from configuration: real ones when configured, local ones otherwise.

Adapters that call a URL get the outbound guard's policy (domain.url_guard: public addresses or the
allowlist, resolved by `resolver` within a bounded time), so a provider's redirect or a name that
moves inside the network is refused like any client URL. The CURP registry's URL is the operator's
alone (never a client's) and is called as configured (domain.providers.registry).
"""

from personas.config import Settings
from personas.domain.providers import esign, face, registry
from personas.domain.providers.identity import LocalIdentityProvider
from personas.domain.providers.messaging import HttpSmsSender, LocalEmailSender, LocalSmsSender, SmtpEmailSender
from personas.domain.providers.resolver import SystemResolver
from personas.domain.url_guard import Allowlist, UrlPolicy
from personas.persistence.uow import UnitOfWork


def build_providers(settings: Settings, session_factory=None) -> dict:
    """The adapters by name; `session_factory` is the database the local CURP registry reads its table from
    (without one, as for a process that has no database, it knows no CURP)."""
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
        "curp_registry": (
            registry.HttpCurpRegistry(settings.curp_registry_url, settings.curp_registry_timeout)
            if settings.curp_registry_url
            else registry.LocalCurpRegistry(_registry_table(session_factory))
        ),
    }
    return providers


def _registry_table(session_factory):
    """`find(curp)` over the local registry table, each call in a read-only unit of work of its own, so a
    lookup neither joins nor waits for a transaction its caller may hold."""
    if session_factory is None:
        return lambda curp: None

    def find(curp: str) -> dict | None:
        with UnitOfWork(session_factory, readonly=True) as uow:
            return uow.curp_registry.find(curp)

    return find
