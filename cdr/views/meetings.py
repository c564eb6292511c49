"""Joint Agency Response criteria and the rapid response meetings."""
