"""Image service, compatible with the OpenStack Image API v2 (Glance)."""
