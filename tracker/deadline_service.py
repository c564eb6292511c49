"""Keeping stored deadlines in step with their cases, rules, overrides and closure days."""


def rebuild_all():
    """Recompute the stored deadlines of every case."""
    return 0
