"""Handlers, one module per resource: verb_noun(req, **path_params)."""
