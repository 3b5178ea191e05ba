"""Fixtures every test tier can use, from the shared kernel's testing plugins."""

pytest_plugins = [
    "marketplace_platform.testing.database",
    "marketplace_platform.testing.nats",
    "marketplace_platform.testing.service",
]
