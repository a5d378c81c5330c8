"""Pluggable backends of the image service (abc.ABC contracts + implementations)."""
