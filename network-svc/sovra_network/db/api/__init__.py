"""Queries, one module per resource; ``query`` holds the list machinery they share."""
