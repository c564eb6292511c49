"""Child death reviews: notification to CDOP panel review and closure.

This issue adds the case record that deadlines hang on; the pages come with the
child death review issue (see ../shared/ROADMAP.md).
"""
