"""NATS URLs as people see them: a URL may carry the broker's credentials
(``nats://user:password@host:4222``, ``nats://token@host:4222``), which must not reach a log
line, an error message or a file others can read. Kept free of heavy imports: the launcher
uses it at start-up."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_credentials(url: str) -> str:
    """A NATS URL (or a comma-separated list of them) with any password or token in it
    replaced by ``***``."""
    return ",".join(_hide_password(server) for server in url.split(","))


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, has_password, _ = userinfo.partition(":")
    hidden = f"{user}:***" if has_password else "***"  # a lone name is a token
    return urlunsplit(parts._replace(netloc=f"{hidden}@{host}"))
