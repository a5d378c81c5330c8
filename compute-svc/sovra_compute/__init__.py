"""Compute service (Nova v2.1 compatible).

Not built yet: see the issue tracker."""
