"""Child death review workflow rules: plain functions that take `today` as an argument."""
