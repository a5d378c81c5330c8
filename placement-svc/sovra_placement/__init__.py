"""Sovra placement: resource providers, inventories and allocations (Placement API)."""
