"""Identity service (Keystone v3 compatible).

Not built yet: see the issue tracker."""
