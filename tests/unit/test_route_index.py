"""The fast path's route index picks the route Starlette's own walk of the router picks, for every path."""

import asyncio
import re

import pytest
from starlette.routing import Route, Router

from personas import spec
from personas.fastpath import _RouteIndex

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class _Endpoint:
    """An ASGI app (not a function, which Starlette would call as a request-response endpoint)."""

    def __init__(self, label: str):
        self.label = label

    async def __call__(self, scope, _receive, _send):
        scope["reached"] = self.label


def _router() -> Router:
    """A router shaped as Connexion's: one route per operation, in the spec's order, unknown to a default."""

    router = Router(default=_Endpoint("default"))
    for path, item in spec.document()["paths"].items():
        for method in METHODS:
            if method.lower() in item:
                router.routes.append(Route(path, _Endpoint(f"{method} {path}"), methods=[method]))
    return router


def _paths() -> list[str]:
    found = {"/", "/nope", "/people/", "/people/a/b/c/d", "/api/v1/people", ""}
    for path in spec.document()["paths"]:
        found.add(re.sub(r"{[^}]+}", "x1", path))
        found.add(re.sub(r"{[^}]+}", "people", path))  # a parameter that spells a literal segment
        found.add(re.sub(r"{[^}]+}", "x1", path) + "/")
    return sorted(found)


def _reached(app, router, method: str, path: str):
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": b"", "headers": []}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    location = next((dict(m["headers"]).get(b"location") for m in sent if m["type"] == "http.response.start"), None)
    return scope.get("reached"), status, location


@pytest.mark.parametrize("method", METHODS)
def test_the_index_reaches_the_route_the_router_reaches(method):
    router = _router()
    index = _RouteIndex(router)
    assert len(index.by_segment) > 10  # the index does narrow the walk
    for path in _paths():
        expected = _reached(router.app, router, method, path)
        assert _reached(index, router, method, path) == expected, (method, path)
