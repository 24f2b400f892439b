"""API9:2023 Improper Inventory Management: every route served is in the spec."""

import re

import pytest
from starlette.routing import Mount, Route

from personas.handlers.guard import METHODS

# --- Routes served against the spec's operations ---


BASE = "/api/v1"
# Published beside the operations (README: "Using it"): the spec and Swagger UI by Connexion, the Redoc
# page and its bundle by handlers.redoc; anything else is an operation.
PUBLICATION = {
    f"{BASE}/openapi.json",
    f"{BASE}/openapi.yaml",
    f"{BASE}/docs",
    f"{BASE}/docs/",
    f"{BASE}/docs/index.html",
    f"{BASE}/redoc",
    f"{BASE}/redoc/redoc.standalone.js",
}
PARAMETER = re.compile(r"\{[^}]*\}|<[^>]*>")


def _shape(path: str) -> str:
    """A path with every parameter, Starlette's `{id}` / `{id:path}` or Flask's `<id>`, written `{}`."""
    return PARAMETER.sub("{}", path)


@pytest.fixture(scope="module")
def operations(http) -> set[tuple[str, str]]:
    """(path shape, method) of every operation of the spec the app was built from."""
    paths = http.get(f"{BASE}/openapi.json").json()["paths"]
    return {
        (_shape(BASE + path), method.upper()) for path, item in paths.items() for method in METHODS if method in item
    }


def _walk(routes, prefix=""):
    for route in routes:
        if isinstance(route, Mount):
            inner = getattr(route, "routes", None)
            if inner:
                yield from _walk(inner, prefix + route.path)
            else:  # an app mounted whole (Swagger UI's static files)
                yield prefix + route.path, "GET"
        elif isinstance(route, Route):
            for method in route.methods or ("GET",):
                yield prefix + route.path, method


@pytest.fixture(scope="module")
def served_routes(app, http):
    """(path shape, method) of every route: Connexion's middlewares' routers and Flask's url_map."""
    http.get(f"{BASE}/health")  # the middleware stack is built on the first request
    routers = [mw.router for mw in app.middleware.middleware_stack if getattr(mw, "router", None) is not None]
    assert len(routers) >= 2, "the Swagger UI and routing middlewares were not found"
    found = {(_shape(path), method) for router in routers for path, method in _walk(router.routes)}
    for rule in app.app.url_map.iter_rules():
        found |= {(_shape(rule.rule), method) for method in rule.methods}
    return {(path, method) for path, method in found if method not in ("HEAD", "OPTIONS")}


def test_every_route_served_is_an_operation_of_the_spec_or_a_documented_publication(served_routes, operations):
    unknown = sorted(route for route in served_routes if route not in operations and route[0] not in PUBLICATION)
    assert unknown == []


def test_every_operation_of_the_spec_is_routed_by_connexion_and_by_flask(app, served_routes, operations):
    flask_rules = {(_shape(rule.rule), method) for rule in app.app.url_map.iter_rules() for method in rule.methods}
    assert sorted(operations - served_routes) == []
    assert sorted(operations - flask_rules) == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/no-such-thing",
        "/api/v0/people",
        "/api/v2/people",
        "/api/people",
        "/static/app.js",
        "/api/v1/people/x/y/z",
    ],
)
def test_unknown_paths_and_other_versions_are_a_404_in_the_envelope(api, path):
    response = api.http.get(path, headers=api.headers)
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": 404, "error": "No encontrado"}
