"""Actions pages."""
