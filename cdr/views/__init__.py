"""Child death review pages, one module per feature; each adds its routes to cdr.bp."""

from cdr.views import (  # noqa: F401
    cases,
    exports,
    meetings,
    notifications,
    panel,
    requests,
)
