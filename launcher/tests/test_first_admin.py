import json
import stat
from pathlib import Path

import pytest

from marketplace_launcher.first_admin import (
    DEFAULT_ADMIN_EMAIL,
    AdminMarker,
    generate_password,
    plan_admin,
)

DB = "/srv/var/auth.db"


@pytest.mark.unit
def test_generated_passwords_are_long_mixed_and_different() -> None:
    passwords = {generate_password() for _ in range(50)}

    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 20
        assert password.isalnum()
        assert any(c.islower() for c in password)
        assert any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password)


@pytest.mark.integration
def test_first_run_generates_a_password_for_the_default_admin(tmp_path: Path) -> None:
    plan = plan_admin({}, AdminMarker(tmp_path), DB, fresh_database=True)

    assert plan is not None
    assert plan.email == DEFAULT_ADMIN_EMAIL
    assert plan.generated
    assert len(plan.password) == 20


@pytest.mark.integration
def test_later_runs_leave_the_admin_alone(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    marker.record(DB, DEFAULT_ADMIN_EMAIL)

    assert plan_admin({}, marker, DB, fresh_database=False) is None
    assert marker.done(DB) == DEFAULT_ADMIN_EMAIL


@pytest.mark.integration
def test_a_database_made_anew_gets_a_new_admin_despite_an_old_marker(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    marker.record(DB, DEFAULT_ADMIN_EMAIL)

    plan = plan_admin({}, marker, DB, fresh_database=True)

    assert plan is not None
    assert plan.generated


@pytest.mark.integration
def test_each_database_is_remembered_on_its_own(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    marker.record(DB, DEFAULT_ADMIN_EMAIL)

    plan = plan_admin({}, marker, "postgresql+asyncpg://postgres@db/marketplace_auth",
                      fresh_database=False)

    assert plan is not None


@pytest.mark.integration
def test_given_credentials_are_ensured_on_every_run(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    marker.record(DB, "boss@example.com")
    environ = {
        "MARKETPLACE_ADMIN_EMAIL": "boss@example.com",
        "MARKETPLACE_ADMIN_PASSWORD": "correct-horse-battery",
    }

    plan = plan_admin(environ, marker, DB, fresh_database=False)

    assert plan is not None
    assert (plan.email, plan.password, plan.generated) == (
        "boss@example.com", "correct-horse-battery", False,
    )


@pytest.mark.integration
def test_an_email_without_a_password_gets_a_generated_one(tmp_path: Path) -> None:
    plan = plan_admin({"MARKETPLACE_ADMIN_EMAIL": "boss@example.com"}, AdminMarker(tmp_path),
                      DB, fresh_database=True)

    assert plan is not None
    assert plan.email == "boss@example.com"
    assert plan.generated


@pytest.mark.integration
def test_the_marker_is_private_and_holds_no_password(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    password = generate_password()

    marker.record(DB, DEFAULT_ADMIN_EMAIL)

    assert stat.S_IMODE(marker.path.stat().st_mode) == 0o600
    text = marker.path.read_text()
    assert password not in text
    assert set(json.loads(text)[DB]) == {"email", "created_at"}


@pytest.mark.integration
def test_a_damaged_marker_means_the_admin_is_ensured_again(tmp_path: Path) -> None:
    marker = AdminMarker(tmp_path)
    marker.path.write_text("{not json")

    assert plan_admin({}, marker, DB, fresh_database=False) is not None


@pytest.mark.integration
def test_a_password_alone_replaces_the_password_of_the_admin_made_before(tmp_path: Path) -> None:
    # What the second run's hint says: set MARKETPLACE_ADMIN_PASSWORD to set a new one, for
    # the account it names, even if that was made with MARKETPLACE_ADMIN_EMAIL back then.
    marker = AdminMarker(tmp_path)
    marker.record(DB, "boss@example.com")

    plan = plan_admin({"MARKETPLACE_ADMIN_PASSWORD": "a lost password replaced"}, marker, DB,
                      fresh_database=False)

    assert plan is not None
    assert (plan.email, plan.password, plan.generated) == (
        "boss@example.com", "a lost password replaced", False,
    )
