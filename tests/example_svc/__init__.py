"""A tiny example service that the common layer's tests run against (not a product)."""
