"""Paginating any list: the page ?page= asks for, a count that can stop at a cap, and GOV.UK
pagination links that keep only the list's own filters. Used by every list in every domain."""

import math
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, request, url_for

from tracker.extensions import db

# Lists count their rows only up to this many (then say "more than"), so a page costs the
# same to show however long the list grows.
COUNT_CAP = 10_000
# Far beyond any real list, and small enough that (page - 1) * PAGE_SIZE fits a 64-bit OFFSET.
_MAX_PAGE = 1_000_000


def page_of(query, count_cap=None):
    """The page of a select() that ?page= asks for, always one that exists.

    A number below 1 or not a number shows the first page; one beyond the last page (an old
    link, a list that got shorter, or 20 digits that would overflow the OFFSET) shows the last.
    With `count_cap`, rows are counted only up to cap + 1, so a long list (the audit trail)
    costs the same to show however long it grows; `pagination.capped` says the list goes on
    past the cap, and `total` is then the cap.
    """
    per_page = current_app.config["PAGE_SIZE"]
    asked = requested_page()
    total = _count(query, count_cap)
    capped = count_cap is not None and total > count_cap
    shown = count_cap if capped else total
    last = max(math.ceil(shown / per_page), 1)
    pagination = db.paginate(query, page=min(asked, last), per_page=per_page,
                             error_out=False, count=False)
    pagination.total, pagination.capped = shown, capped
    return pagination


def requested_page() -> int:
    """?page= from 1 to _MAX_PAGE: not a number is the first page, a larger one (even past
    the database's integers) the furthest; the list then shows its last page.

    Read as text, not with `type=int`: request.args answers 404 for an integer the database
    cannot hold (an id), but a page number is not looked up."""
    try:
        asked = int(request.args.get("page", ""))
    except ValueError:
        return 1
    return min(max(asked, 1), _MAX_PAGE)


def _count(query, cap):
    """How many rows a select() gives, counting no further than cap + 1.

    Counts its first column only (the entity's id; not when DISTINCT, which would then count
    fewer): with every column of the entity in the counted subquery, SQLite reads each row
    from the table even when an index holds all the query needs (150 ms for the outstanding
    requests at 100,000 cases, rather than an index-only count).
    """
    rows = query.order_by(None)
    if not rows._distinct:
        rows = rows.with_only_columns(rows.selected_columns[0])
    if cap is not None:
        rows = rows.limit(cap + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(rows.subquery()))


def pagination_params(pagination, endpoint, args, kept_names=()):
    """Parameters for govukPagination; each link keeps the query arguments in `kept_names`.

    Only those: every other name (`_anchor`, `_external`, `endpoint`…) would reach url_for
    as one of its own arguments (a 500), and unknown ones have no business in the links. The
    query string is encoded here, never by url_for, so no name can be taken as one of them.
    """
    if pagination.pages <= 1:
        return None
    kept = [(key, value) for key, value in args.items(multi=True) if key in kept_names]
    base = url_for(endpoint)

    def href(number):
        return f"{base}?{urlencode([*kept, ('page', number)])}"

    items = [
        {"ellipsis": True} if number is None
        else {"number": number, "href": href(number), "current": number == pagination.page}
        for number in pagination.iter_pages(left_edge=1, left_current=1, right_current=2,
                                            right_edge=1)
    ]
    params = {"items": items}
    if pagination.has_prev:
        params["previous"] = {"href": href(pagination.prev_num)}
    if pagination.has_next:
        params["next"] = {"href": href(pagination.next_num)}
    return params


class SortableList:
    """Links of a filtered, sortable, paginated list (a domain's case list or tracker).

    `kept` are the (name, value) query arguments the list keeps (its filters); links are
    encoded here, never by url_for, so no query name can be taken as one of its arguments.
    `descending_first` are the columns that sort newest first on their first click.
    """

    def __init__(self, endpoint, kept, *, sort, descending, descending_first=()):
        self.base = url_for(endpoint)
        self.kept, self.sort, self.descending = kept, sort, descending
        self.descending_first = set(descending_first)

    def href(self, **changes):
        """The list's URL with the kept filters and these changes (None removes one)."""
        params = [(key, value) for key, value in self.kept if key not in changes]
        params += [(key, value) for key, value in changes.items() if value is not None]
        return f"{self.base}?{urlencode(params)}"

    def sort_header(self, column):
        """(href, aria-sort) for a sortable column heading: a click sorts by it, or flips it."""
        if column == self.sort:
            aria = "descending" if self.descending else "ascending"
            order = "asc" if self.descending else "desc"
        else:
            aria, order = "none", "desc" if column in self.descending_first else "asc"
        return self.href(sort=column, order=order, page=None), aria

    def pagination(self, page, pages):
        """Parameters for govukPagination (None for a single page)."""
        if pages <= 1:
            return None
        numbers = sorted({1, pages, *range(max(page - 1, 1), min(page + 2, pages + 1))})
        items, previous = [], 0
        for number in numbers:
            if number > previous + 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "href": self.href(page=number),
                          "current": number == page})
            previous = number
        params = {"items": items}
        if page > 1:
            params["previous"] = {"href": self.href(page=page - 1)}
        if page < pages:
            params["next"] = {"href": self.href(page=page + 1)}
        return params
