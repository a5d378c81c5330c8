"""Compute service: Nova v2.1 compatible API, conductor, agents (see README.md)."""
