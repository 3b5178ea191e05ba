from pathlib import Path

import pytest

from marketplace_launcher.options import DlqOptions, UpOptions, parse

pytestmark = pytest.mark.unit


def up(argv: list[str], environ: dict[str, str] | None = None) -> UpOptions:
    options = parse(["up", *argv], environ or {})
    assert isinstance(options, UpOptions)
    return options


def test_defaults_are_the_embedded_runtime() -> None:
    options = up([])

    assert options.host == "127.0.0.1"
    assert options.port == 8000
    assert options.nats is None
    assert options.nats_port == 4223
    assert options.postgres is None
    assert options.service_port_base == 8100
    assert options.var_dir == Path("var")
    assert options.replicas_of("auth") == 1
    assert options.verbose is False
    assert options.seed is True


def test_every_option_reads_its_environment_variable() -> None:
    options = up(
        [],
        {
            "MARKETPLACE_HOST": "0.0.0.0",
            "MARKETPLACE_PORT": "8080",
            "MARKETPLACE_NATS": "nats://broker:4222",
            "MARKETPLACE_NATS_PORT": "5223",
            "MARKETPLACE_POSTGRES": "postgresql://postgres@db:5432/postgres",
            "MARKETPLACE_DATABASE_PREFIX": "shop",
            "MARKETPLACE_REPLICAS": "auth=2, catalog=3",
            "MARKETPLACE_SERVICE_PORT_BASE": "9100",
            "MARKETPLACE_VAR_DIR": "/srv/elsewhere",
            "MARKETPLACE_READY_TIMEOUT": "90",
            "MARKETPLACE_VERBOSE": "true",
            "MARKETPLACE_NO_SEED": "1",
        },
    )

    assert options.host == "0.0.0.0"
    assert options.port == 8080
    assert options.nats == "nats://broker:4222"
    assert options.nats_port == 5223
    assert options.postgres is not None
    assert options.postgres.host == "db"
    assert options.database_prefix == "shop"
    assert dict(options.replicas) == {"auth": 2, "catalog": 3}
    assert options.service_port_base == 9100
    assert options.var_dir == Path("/srv/elsewhere")
    assert options.ready_timeout == 90.0
    assert options.verbose is True
    assert options.seed is False


def test_the_command_line_wins_over_the_environment() -> None:
    options = up(
        ["--port", "9000", "--replicas", "auth=3"],
        {"MARKETPLACE_PORT": "8080", "MARKETPLACE_REPLICAS": "auth=2,orders=2"},
    )

    assert options.port == 9000
    assert dict(options.replicas) == {"auth": 3, "orders": 2}


def test_replicas_repeat() -> None:
    options = up(["--replicas", "auth=2", "--replicas", "catalog=4"])

    assert options.replicas_of("auth") == 2
    assert options.replicas_of("catalog") == 4
    assert options.replicas_of("orders") == 1


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--replicas", "gateway=2"], "unknown service 'gateway'"),
        (["--replicas", "auth"], "expected name=N"),
        (["--replicas", "auth=0"], "must be at least 1"),
        (["--replicas", "auth=99"], "at most 16 replicas"),
        (["--port", "70000"], "port out of range"),
        (["--port", "http"], "not a port number"),
        (["--nats", "localhost:4222"], "not a NATS URL"),
        (["--postgres", "mysql://root@db/x"], "not a PostgreSQL URL"),
        (["--postgres", "::nonsense::"], "not a PostgreSQL URL"),
        (["--database-prefix", "Shop-1"], "database prefix"),
        (["--ready-timeout", "0"], "more than 0 seconds"),
    ],
)
def test_bad_options_are_usage_errors_that_say_what_is_wrong(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        up(argv)

    assert exit_.value.code == 2
    assert complaint in capsys.readouterr().err


def test_a_bad_environment_value_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        up([], {"MARKETPLACE_PORT": "eighty"})

    assert "MARKETPLACE_PORT='eighty'" in capsys.readouterr().err


def test_postgres_urls_are_normalised_to_asyncpg() -> None:
    for spelling in (
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "postgres://postgres@127.0.0.1:5432/postgres",
        "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    ):
        options = up(["--postgres", spelling])
        assert options.postgres is not None
        assert options.postgres.drivername == "postgresql+asyncpg"
        assert options.postgres.database == "postgres"


def test_a_nats_cluster_is_a_comma_separated_list() -> None:
    options = up(["--nats", "nats://a:4222, nats://b:4222"])

    assert options.nats == "nats://a:4222,nats://b:4222"


def test_dlq_list_and_replay() -> None:
    listing = parse(["dlq", "list", "--limit", "5"], {})
    replay = parse(["dlq", "replay", "42", "--nats", "nats://127.0.0.1:5000"], {})

    assert listing == DlqOptions(action="list", nats=None, var_dir=Path("var"), limit=5)
    assert isinstance(replay, DlqOptions)
    assert replay.action == "replay"
    assert replay.sequence == 42
    assert replay.nats == "nats://127.0.0.1:5000"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse([], {})

    assert exit_.value.code == 2
    assert "up" in capsys.readouterr().out


def test_dlq_list_help_says_which_letters_it_shows(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["dlq", "list", "--help"], {})

    text = " ".join(capsys.readouterr().out.split())
    # list_dead_letters reads the stream from its start.
    assert "oldest first" in text
    assert "newest" not in text
    assert "--limit N show at most N letters (default 20)" in text
