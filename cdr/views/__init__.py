"""Child death review pages, one module per feature; each adds its routes to cdr.bp."""

from cdr.views import cases, meetings, notifications, panel, requests  # noqa: F401
