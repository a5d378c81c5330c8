"""Network service: the Networking API v2.0 (Neutron compatible) on port 9696.

``api/`` (HTTP), ``service/`` (domain logic), ``db/`` (models, queries,
migrations), ``rpc.py`` (the fanout to agents), ``client.py`` (the REST client
other services use), ``agent/`` (the per-node data plane).
"""
