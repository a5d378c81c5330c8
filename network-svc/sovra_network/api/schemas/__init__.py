"""jsonschema of request bodies, one module per resource."""
