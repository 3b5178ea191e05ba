"""``marketplace up``: NATS, databases, migrations, the first admin, every service and the
gateway, started, watched and stopped from one terminal."""
