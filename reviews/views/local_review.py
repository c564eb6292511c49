"""Local review pages."""
