"""Image service (Glance v2 compatible).

Not built yet: see the issue tracker."""
