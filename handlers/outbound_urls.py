"""The outbound guard's policy for URLs a request saves (notification channels, validations, files,
temporary people's callbacks).

The resolver is the runtime's `resolver` provider (personas.providers: bounded in time), so tests and
other deployments can hand in their own; the allowlist is read from the settings of this request.
"""

from domain.errors import ValidationFailed
from domain.providers.resolver import SystemResolver
from domain.url_guard import Allowlist, UrlPolicy
from handlers.runtime import current

_fallback: dict = {}


def url_policy() -> UrlPolicy:
    state = current()
    resolver = state.providers.get("resolver") or _fallback.setdefault("resolver", SystemResolver())
    return UrlPolicy(Allowlist.parse(state.settings.outbound_allowlist), resolver)


def check_saved_urls(values: dict, fields: tuple[str, ...]) -> None:
    """422 on each of `fields` whose URL the outbound guard would refuse (absent or null fields pass)."""
    policy = url_policy()
    errors = {name: found for name in fields if values.get(name) and (found := policy.errors(values[name]))}
    if errors:
        raise ValidationFailed(errors)
