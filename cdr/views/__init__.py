"""Child death review pages, one module per feature; each adds its routes to cdr.bp."""

from cdr.views import (  # noqa: F401
    agencies,
    annual_report,
    cases,
    deadlines,
    exports,
    family,
    meetings,
    ncmd,
    notifications,
    panel,
    public_triage,
    requests,
    transfers,
)
