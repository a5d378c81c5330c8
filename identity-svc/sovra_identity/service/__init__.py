"""Identity's domain logic. Knows no HTTP; raises sovra_common exceptions.

Functions take the ``Database`` (and, where state changes revoke tokens, the
``Revoker``) explicitly, and return model objects detached from their session.
"""
