"""Safeguarding practice reviews: serious incident to published review and actions.

This issue adds the incident record that deadlines hang on; the pages come with the
practice review issue (see ../shared/ROADMAP.md).
"""
