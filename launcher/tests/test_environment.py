import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from marketplace_launcher.environment import (
    Topology,
    database_url,
    gateway_environment,
    jwks_url,
    peer_settings,
    service_environment,
    upstream_table,
)
from marketplace_launcher.ports import Instance
from marketplace_launcher.services import GATEWAY, SERVICES, ServiceSpec, by_name

pytestmark = pytest.mark.unit

AUTH = ServiceSpec("auth", "auth_service", "AUTH_", 8101)
CATALOG = ServiceSpec("catalog", "catalog_service", "CATALOG_", 8102)
TOPOLOGY = Topology(
    nats_url="nats://127.0.0.1:4223",
    jwks_url="http://127.0.0.1:8101/api/auth/jwks.json",
    var_dir=Path("/srv/marketplace/var"),
)


def test_a_service_gets_its_settings_under_its_own_prefix() -> None:
    env = service_environment({}, AUTH, TOPOLOGY, database="sqlite+aiosqlite:///x.db", port=8101)

    assert env["AUTH_PORT"] == "8101"
    assert env["AUTH_HOST"] == "127.0.0.1"
    assert env["AUTH_DATABASE_URL"] == "sqlite+aiosqlite:///x.db"
    assert env["AUTH_NATS_URL"] == "nats://127.0.0.1:4223"
    assert env["AUTH_JWKS_URL"] == "http://127.0.0.1:8101/api/auth/jwks.json"
    assert env["AUTH_VAR_DIR"] == "/srv/marketplace/var"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert not any(key.startswith("CATALOG_") for key in env)


def test_one_off_verbs_get_no_port() -> None:
    env = service_environment({}, AUTH, TOPOLOGY, database="sqlite+aiosqlite:///x.db")

    assert "AUTH_PORT" not in env
    assert env["AUTH_DATABASE_URL"] == "sqlite+aiosqlite:///x.db"


def test_inherited_settings_pass_through_but_the_launchers_decisions_win() -> None:
    inherited = {"AUTH_ACCESS_TOKEN_TTL": "60", "AUTH_PORT": "1", "PATH": "/usr/bin"}

    env = service_environment(inherited, AUTH, TOPOLOGY, database="db", port=8101)

    assert env["AUTH_ACCESS_TOKEN_TTL"] == "60"
    assert env["AUTH_PORT"] == "8101"
    assert env["PATH"] == "/usr/bin"


def test_the_admin_password_is_not_handed_to_every_process() -> None:
    env = service_environment(
        {"MARKETPLACE_ADMIN_PASSWORD": "s3cret-Passw0rd"}, AUTH, TOPOLOGY, database="db"
    )

    assert "MARKETPLACE_ADMIN_PASSWORD" not in env


def test_verbose_turns_debug_logs_on_and_quiet_leaves_the_level_alone() -> None:
    verbose = dataclasses.replace(TOPOLOGY, verbose=True)

    assert service_environment({}, AUTH, verbose, database="db")["AUTH_LOG_LEVEL"] == "DEBUG"
    assert "AUTH_LOG_LEVEL" not in service_environment({}, AUTH, TOPOLOGY, database="db")


def test_sqlite_is_one_file_per_service_under_the_var_dir(tmp_path: Path) -> None:
    url = database_url(AUTH, tmp_path, None, "marketplace")

    assert url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'auth.db'}"


def test_postgres_is_one_database_per_service_on_the_server() -> None:
    server = make_url("postgresql+asyncpg://shop:p%40ss@db:5432/postgres?ssl=require")

    auth = make_url(database_url(AUTH, Path("var"), server, "marketplace"))
    catalog = make_url(database_url(CATALOG, Path("var"), server, "shop"))

    assert auth.database == "marketplace_auth"
    assert catalog.database == "shop_catalog"
    # Credentials and options survive the rewrite, password included.
    assert auth.drivername == "postgresql+asyncpg"
    assert auth.password == "p@ss"
    assert auth.query == {"ssl": "require"}


def test_upstream_table_lists_every_replica_by_service() -> None:
    instances = [Instance(AUTH, 1, 8101), Instance(AUTH, 2, 8201), Instance(CATALOG, 1, 8102)]

    assert upstream_table(instances) == {
        "auth": ["http://127.0.0.1:8101", "http://127.0.0.1:8201"],
        "catalog": ["http://127.0.0.1:8102"],
    }


def test_everyone_trusts_the_first_auth_replica() -> None:
    assert jwks_url(Instance(AUTH, 1, 18101)) == "http://127.0.0.1:18101/api/auth/jwks.json"


def test_the_gateway_gets_the_routing_table_as_json() -> None:
    upstreams = {"auth": ["http://127.0.0.1:8101"]}

    env = gateway_environment(
        {}, GATEWAY, TOPOLOGY, host="0.0.0.0", port=8080, upstreams=upstreams
    )

    assert env["GATEWAY_HOST"] == "0.0.0.0"
    assert env["GATEWAY_PORT"] == "8080"
    assert json.loads(env["GATEWAY_UPSTREAMS"]) == upstreams
    assert env["GATEWAY_JWKS_URL"] == TOPOLOGY.jwks_url
    assert env["GATEWAY_NATS_URL"] == TOPOLOGY.nats_url


def test_every_process_gets_the_runs_internal_token_under_its_prefix() -> None:
    shared = dataclasses.replace(TOPOLOGY, internal_token="t0ken")

    assert service_environment({}, AUTH, shared, database="db")["AUTH_INTERNAL_TOKEN"] == "t0ken"
    assert service_environment({}, CATALOG, shared, database="db")["CATALOG_INTERNAL_TOKEN"] == (
        "t0ken"
    )
    assert "AUTH_INTERNAL_TOKEN" not in service_environment({}, AUTH, TOPOLOGY, database="db")


def test_the_broker_credentials_reach_every_process_and_the_passphrase_only_auth() -> None:
    secured = dataclasses.replace(
        TOPOLOGY, nats_user="marketplace", nats_password="pw", signing_key_passphrase="pp"
    )
    inherited = {"MARKETPLACE_NATS_USER": "someone", "MARKETPLACE_NATS_PASSWORD": "theirs"}

    auth = service_environment(inherited, AUTH, secured, database="db")
    catalog = service_environment(inherited, CATALOG, secured, database="db")
    gateway = gateway_environment(
        inherited, GATEWAY, secured, host="127.0.0.1", port=8000, upstreams={}
    )

    for env, prefix in ((auth, "AUTH_"), (catalog, "CATALOG_"), (gateway, "GATEWAY_")):
        assert (env[prefix + "NATS_USER"], env[prefix + "NATS_PASSWORD"]) == ("marketplace", "pw")
        assert "MARKETPLACE_NATS_PASSWORD" not in env
    assert auth["AUTH_SIGNING_KEY_PASSPHRASE"] == "pp"
    assert not any(key.endswith("SIGNING_KEY_PASSPHRASE") for key in {**catalog, **gateway})
    assert "AUTH_NATS_USER" not in service_environment({}, AUTH, TOPOLOGY, database="db")


def test_a_service_gets_the_urls_of_every_replica_of_the_services_it_calls() -> None:
    orders = by_name("orders")
    assert orders is not None
    upstreams = {
        "catalog": ["http://127.0.0.1:8102", "http://127.0.0.1:8202"],
        "payments": ["http://127.0.0.1:8104"],
        "orders": ["http://127.0.0.1:8103"],
    }

    env = service_environment({}, orders, TOPOLOGY, database="db", port=8103, upstreams=upstreams)

    assert env["ORDERS_CATALOG_URL"] == "http://127.0.0.1:8102,http://127.0.0.1:8202"
    assert env["ORDERS_PAYMENTS_URL"] == "http://127.0.0.1:8104"
    assert not any(key.startswith(("CATALOG_", "PAYMENTS_")) for key in env)


def test_payments_is_told_where_orders_is() -> None:
    payments = by_name("payments")
    assert payments is not None
    upstreams = {"orders": ["http://127.0.0.1:8103", "http://127.0.0.1:8203"]}

    assert peer_settings(payments, upstreams) == {
        "PAYMENTS_ORDERS_URL": "http://127.0.0.1:8103,http://127.0.0.1:8203"
    }


def test_a_called_service_that_is_not_running_leaves_the_default() -> None:
    orders = by_name("orders")
    assert orders is not None

    assert peer_settings(orders, {"catalog": ["http://127.0.0.1:8102"]}) == {
        "ORDERS_CATALOG_URL": "http://127.0.0.1:8102"
    }
    assert peer_settings(AUTH, {"catalog": ["http://127.0.0.1:8102"]}) == {}


def test_every_call_in_the_table_names_a_service_of_the_table() -> None:
    names = {spec.name for spec in SERVICES}
    for spec in SERVICES:
        for setting, callee in spec.calls:
            assert callee in names, (spec.name, callee)
            assert callee != spec.name
            assert setting.endswith("_URL")
