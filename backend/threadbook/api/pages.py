"""Paginate list endpoints: ``?page=&per_page=`` in, ``{"items", "page", "per_page", "has_more"}`` out.

``has_more`` comes from fetching one row beyond the page, so no list ever
counts a million rows to answer.
"""

from flask import request

from threadbook.api.params import check_storable, query_int
from threadbook.errors import ApiError

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 100000
MAX_QUERY = 200


def page_args():
    """Return (page, per_page) from the query string, checked."""
    return query_int("page", 1, 1, MAX_PAGE), query_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def search_term():
    """Return the lower-cased ``?q=``, or None (peewee's ``contains`` escapes LIKE wildcards)."""
    q = (request.args.get("q") or "").strip().lower()
    if not q:
        return None
    if len(q) > MAX_QUERY:
        raise ApiError(400, f"Query parameter 'q' is longer than {MAX_QUERY} characters.", field="q")
    check_storable(q, "Query parameter 'q'", field="q")
    return q


def paginate(query, present):
    """Run ``query`` (already ordered) for the requested page; ``present`` serialises the rows."""
    page, per_page = page_args()
    rows = list(query.offset((page - 1) * per_page).limit(per_page + 1))
    return {
        "items": present(rows[:per_page]),
        "page": page,
        "per_page": per_page,
        "has_more": len(rows) > per_page,
    }
