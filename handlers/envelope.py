"""The response shapes of API-MAP.md: the success envelope and the paginator."""

from urllib.parse import urlencode, urlsplit

from flask import request

from personas.handlers.http_policy import site_url


def envelope(result) -> dict:
    return {"success": True, "result": result}


def _page_url(page: int, cursor: str | None = None) -> str:
    args = request.args.to_dict()
    args.pop("cursor", None)
    if cursor is not None:
        args["cursor"] = cursor
    args["page"] = page
    return f"{site_url()}{urlsplit(request.base_url).path}?{urlencode(args)}"


def paginated(page, items: list) -> dict:
    """The seed's paginator for one page; `from`/`to` are 1-based positions, null when empty.

    `next_page_url` carries the cursor of this page's last row (keyset: no OFFSET, no shift when rows are
    added); `prev_page_url` goes by page number.
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
            "prev_page_url": _page_url(page.page - 1) if page.page > 1 else None,
        }
    )
