"""Console-script entry points of the common layer (sovra-manage)."""
