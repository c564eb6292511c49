"""Yearly pages."""
