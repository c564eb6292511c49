"""Child death review tests use the shared fixtures of tests/conftest.py (`call` among them)."""
