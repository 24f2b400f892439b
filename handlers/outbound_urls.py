"""The outbound guard's policy for URLs a request saves (notification channels, validations, files,
temporary people's callbacks).

The resolver is the runtime's `resolver` provider (personas.providers: bounded in time), so tests and
other deployments can hand in their own; the allowlist is read from the settings of this request.
Names are resolved before the caller opens its unit of work: on SQLite a writing unit of work holds the
database's write lock from its start, and a slow name server must not hold every writer with it.
"""

from personas.domain.errors import ValidationFailed
from personas.domain.url_guard import Allowlist, UrlPolicy
from personas.handlers.runtime import current


class _Answered:
    """A resolver that keeps each answer, or failure, for the request that made it."""

    def __init__(self, resolve):
        self.resolve = resolve
        self.answers: dict = {}

    def __call__(self, host: str, port: int) -> list[str]:
        key = (host, port)
        if key not in self.answers:
            try:
                self.answers[key] = (self.resolve(host, port), None)
            except Exception as exc:  # noqa: BLE001 - raised again to every caller, as the first one saw it
                self.answers[key] = (None, exc)
        found, failure = self.answers[key]
        if failure is not None:
            raise failure
        return found


def url_policy(*resolve_now) -> UrlPolicy:
    """The policy of this request; the URLs in `resolve_now` are looked up at once, and the checks made
    later (inside the unit of work) answer from those lookups."""
    state = current()
    resolver = state.providers["resolver"]
    policy = UrlPolicy(Allowlist.parse(state.settings.outbound_allowlist), _Answered(resolver))
    for url in resolve_now:
        policy.errors(url)
    return policy


def config_urls(data: dict) -> list[str]:
    """The URL a `config` object of the request names, if any (channels, partner checks)."""
    config = data.get("config")
    url = config.get("url") if isinstance(config, dict) else None
    return [url] if isinstance(url, str) else []


def check_saved_urls(values: dict, fields: tuple[str, ...]) -> None:
    """422 on each of `fields` whose URL the outbound guard would refuse (absent or null fields pass)."""
    policy = url_policy()
    errors = {name: found for name in fields if values.get(name) and (found := policy.errors(values[name]))}
    if errors:
        raise ValidationFailed(errors)
