"""Placement service (Placement 1.x compatible).

Not built yet: see the issue tracker."""
