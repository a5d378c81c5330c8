"""Volume backend drivers: the contract (base) and its implementations (file, nbd),
chosen per backend through the entry point group ``sovra.block.volume_drivers``."""
