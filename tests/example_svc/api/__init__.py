"""The example service's REST API, built the way every Sovra service builds its own."""
