"""Practice review pages, one module per feature; each adds its routes to reviews.bp."""

from reviews.views import actions, incidents, local_review, rapid_review, yearly  # noqa: F401
