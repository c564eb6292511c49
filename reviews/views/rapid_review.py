"""Rapid review pages."""
