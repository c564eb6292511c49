"""Forms of the practice review pages, one module per feature."""
