"""Practice review pages, one module per feature; each adds its routes to reviews.bp."""

from reviews.views import (  # noqa: F401
    actions,
    deadlines,
    exports,
    incidents,
    information_requests,
    local_review,
    rapid_review,
    yearly,
)
