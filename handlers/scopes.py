"""The one check of API-key scopes: each operation's `x-scope` in the spec against the key's scopes.

It runs after Connexion's security handler (which put the key's token info in the request context) and
before validation, so a key without the scope learns nothing about the operation's input rules.
"""

from connexion.middleware.abstract import SpecMiddleware

from personas.domain.errors import Forbidden, Text

LACKS_SCOPE = Text("la clave de API no tiene el alcance '{}'", "the API key lacks the '{}' scope")


def operation_of(scope) -> str:
    """The spec's operationId of a routed request (Connexion may prefix it with the controller)."""
    routing = (scope.get("extensions") or {}).get("connexion_routing") or {}
    return (routing.get("operation_id") or "").rsplit(".", 1)[-1]


def token_info_of(scope) -> dict | None:
    info = ((scope.get("extensions") or {}).get("connexion_context") or {}).get("token_info")
    return info if isinstance(info, dict) else None


def declared(specification, extension: str) -> dict[str, object]:
    """operationId -> the value of an `x-` extension, for every operation of the spec that has it."""
    found = {}
    for item in specification.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and extension in operation:
                found[operation["operationId"]] = operation[extension]
    return found


class ScopeCheck(SpecMiddleware):
    def __init__(self, app):
        self.app = app
        self.required: dict[str, str] = {}

    def add_api(self, specification, **_kwargs) -> None:
        self.required.update(declared(specification, "x-scope"))

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            needed = self.required.get(operation_of(scope))
            info = token_info_of(scope)
            if needed and info is not None and needed not in info.get("scopes", ()):
                raise Forbidden(LACKS_SCOPE.format(needed))
        await self.app(scope, receive, send)
