"""Placeholder, replaced below."""


def register_seed_command():
    return {}
