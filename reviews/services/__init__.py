"""Practice review workflow rules: plain functions that take `today` as an argument."""
