"""The library every Sovra service is built on: config, WSGI, auth, policy, db, rpc,
coordination. Knows no service's resources."""
