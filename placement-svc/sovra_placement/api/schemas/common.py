"""Pieces the placement schemas share."""

from sovra_common.db.schema import INT_MAX, INT_MIN

UUID = {"type": "string", "pattern": r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
        r"[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"}
# (a generation past the database's integer range is a 400, not a 500)
GENERATION = {"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}
RESOURCE_CLASS = {"type": "string", "pattern": "^[A-Z0-9_]+$", "maxLength": 255}
CUSTOM_NAME = {"type": "string", "pattern": "^CUSTOM_[A-Z0-9_]+$", "maxLength": 255}
