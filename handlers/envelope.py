"""The response shapes of API-MAP.md: the success envelope and the paginator."""

from urllib.parse import parse_qsl, urlencode

from connexion import context

from personas.handlers.http_policy import site_url


def envelope(result, **added) -> dict:
    """`{"success": true, "result": ...}`; `added` are keys the service puts beside `result` where the seed
    fixes what `result` is (a text, a list) and the service has more to say."""
    return {"success": True, "result": result, **added}


def _page_url(page: int, cursor: str | None = None) -> str:
    scope = context.scope
    args: dict = {}
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        args.setdefault(name, value)  # the first of repeated names
    args.pop("cursor", None)
    if cursor is not None:
        args["cursor"] = cursor
    args["page"] = page
    root, path = scope.get("root_path", ""), scope["path"]
    return f"{site_url()}{path if path.startswith(root) else root + path}?{urlencode(args)}"


def listed(page, items: list) -> dict:
    """A page whose `result` is the list itself, as the seed shows some lists (no paginator): the
    paginator's other fields go beside it, in `pagination`."""
    doc = paginated(page, items)
    pagination = dict(doc["result"])
    return envelope(pagination.pop("data"), pagination=pagination)


def paginated(page, items: list) -> dict:
    """The seed's paginator for one page; `from`/`to` are 1-based positions, null when empty.

    `next_page_url` carries the cursor of this page's last row and `prev_page_url` the cursor of its first
    (keyset both ways: no OFFSET, no shift when rows are added); beyond the end, `prev_page_url` is the last
    page by number.
    """
    first = (page.page - 1) * page.per_page
    return envelope(
        {
            "current_page": page.page,
            "data": items,
            "from": first + 1 if items else None,
            "to": first + len(items) if items else None,
            "per_page": page.per_page,
            "next_page_url": _page_url(page.page + 1, page.next_cursor) if page.has_next else None,
            "prev_page_url": _page_url(page.prev_page, page.prev_cursor) if page.prev_page else None,
        }
    )
