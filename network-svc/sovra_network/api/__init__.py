"""The Networking API v2.0 (HTTP layer): app, routes, handlers, schemas, policies."""
