"""Block storage service (Cinder v3 compatible).

Not built yet: see the issue tracker."""
