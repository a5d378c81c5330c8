"""Network service (Neutron v2.0 compatible).

Not built yet: see the issue tracker."""
