"""Identity service: a Keystone v3 compatible token and catalog service.

Layout: ``api/`` (Flask app, routes, handlers, policies, schemas), ``service/``
(domain logic, no HTTP), ``token/`` (Fernet key repository and token payloads),
``db/`` (models, migrations), ``conf/`` (option groups), ``cmd/`` (console scripts
and sovra-manage commands).
"""
