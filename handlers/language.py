"""The language of an answer's messages, chosen by the request's `Accept-Language` (RFC 9110 §12.5.4).

The API speaks Spanish and English (`domain.errors.Text` carries both); Spanish is its own language, so no
header, a header naming neither, or one that cannot be read gets Spanish. Werkzeug's parser reads the
q-values and matches a regional tag (`en-US`) to its language.
"""

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

DEFAULT = "es"
OFFERED = ("es", "en")
HEADER = "Accept-Language"


def negotiate(header: str | None) -> str:
    if not header:
        return DEFAULT
    return parse_accept_header(header, LanguageAccept).best_match(OFFERED, default=DEFAULT)


def of_scope(scope) -> str:
    """The language asked for by an ASGI request (for middlewares that answer before Connexion's request)."""
    raw = next((value for name, value in scope.get("headers", ()) if name == b"accept-language"), None)
    return negotiate(raw.decode("latin-1") if raw is not None else None)


def answer_headers(language: str) -> dict[str, str]:
    """What an answer whose text depends on the header says about it, to clients and to caches."""
    return {"Content-Language": language, "Vary": HEADER}
