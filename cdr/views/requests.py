"""Agency information requests and the child death review meeting."""
