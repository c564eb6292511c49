"""Forms of the child death review pages, one module per feature."""
