"""The shell's pages, one blueprint per feature."""
