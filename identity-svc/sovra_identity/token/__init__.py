"""Fernet tokens: the key repository (keys.py) and the payload format (formatter.py)."""
