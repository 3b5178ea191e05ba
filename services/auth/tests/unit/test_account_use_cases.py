"""Registration, profile and role use cases on a fake unit of work: what they store and the
events the ``User`` records, committed with the change (or not at all)."""

import pytest

from auth_service.domain.errors import EmailTaken, LastAdmin, WeakPassword
from auth_service.domain.roles import Role
from auth_service.service import accounts, profiles, users
from marketplace_contracts import UserRegistered, UserUpdated

pytestmark = pytest.mark.unit

PASSWORD = "correct horse battery staple"


async def register(unit_of_work, passwords, email="Anna@Example.COM", name="Anna", role=Role.USER):
    return await accounts.register(
        unit_of_work=unit_of_work,
        passwords=passwords,
        email=email,
        password=PASSWORD,
        name=name,
        role=role,
    )


async def test_registering_stores_the_account_and_commits_user_registered(
    uow, unit_of_work, passwords
) -> None:
    user = await register(unit_of_work, passwords)

    assert uow.users.rows[user.id] is user
    assert (user.email, user.email_key) == ("Anna@example.com", "anna@example.com")
    assert user.password_hash == f"hashed:{PASSWORD}"
    [event] = uow.events(UserRegistered)
    assert (event.user_id, event.email, event.name, event.role) == (
        user.id,
        "Anna@example.com",
        "Anna",
        "user",
    )


async def test_an_email_taken_in_any_case_is_refused_and_nothing_is_committed(
    uow, unit_of_work, passwords
) -> None:
    await register(unit_of_work, passwords, email="anna@example.com")

    with pytest.raises(EmailTaken):
        await register(unit_of_work, passwords, email="ANNA@example.com", name="Other")

    assert len(uow.users.rows) == 1
    assert uow.event_types == [UserRegistered.TYPE]


async def test_a_weak_password_stores_nothing(uow, unit_of_work, passwords) -> None:
    with pytest.raises(WeakPassword):
        await accounts.register(
            unit_of_work=unit_of_work,
            passwords=passwords,
            email="a@example.com",
            password="short",
            name="A",
        )
    assert uow.users.rows == {}
    assert uow.commits == 0


async def test_a_rename_commits_user_updated_naming_the_name(uow, unit_of_work, passwords) -> None:
    user = await register(unit_of_work, passwords)

    await profiles.update(
        unit_of_work=unit_of_work, user_id=user.id, changes={"name": "Anna K.", "bio": None}
    )

    assert user.name == "Anna K."
    [event] = uow.events(UserUpdated)
    assert (event.user_id, event.name, event.changed) == (user.id, "Anna K.", ["name"])


async def test_a_profile_change_that_changes_nothing_records_nothing(
    uow, unit_of_work, passwords
) -> None:
    user = await register(unit_of_work, passwords)

    await profiles.update(unit_of_work=unit_of_work, user_id=user.id, changes={"name": "Anna"})

    assert uow.events(UserUpdated) == []


async def test_a_role_change_commits_user_updated_with_the_new_role(
    uow, unit_of_work, passwords
) -> None:
    user = await register(unit_of_work, passwords)

    await users.update_role(unit_of_work=unit_of_work, user_id=user.id, role=Role.ADMIN)

    assert user.role == "admin"
    [event] = uow.events(UserUpdated)
    assert (event.role, event.changed) == ("admin", ["role"])


async def test_the_last_admin_keeps_the_role_and_nothing_is_committed(
    uow, unit_of_work, passwords
) -> None:
    admin = await register(unit_of_work, passwords, email="boss@example.com", role=Role.ADMIN)

    with pytest.raises(LastAdmin):
        await users.update_role(unit_of_work=unit_of_work, user_id=admin.id, role=Role.USER)

    assert admin.role == "admin"
    assert uow.events(UserUpdated) == []


async def test_ensure_admin_promotes_an_existing_account_once(uow, unit_of_work, passwords) -> None:
    user = await register(unit_of_work, passwords, email="ops@example.com")

    first = await accounts.ensure_admin(
        unit_of_work=unit_of_work,
        passwords=passwords,
        email="ops@example.com",
        password=PASSWORD,
        name="Ops",
    )
    again = await accounts.ensure_admin(
        unit_of_work=unit_of_work,
        passwords=passwords,
        email="ops@example.com",
        password=PASSWORD,
        name="Ops",
    )

    assert (first.outcome, again.outcome) == (
        accounts.AdminOutcome.PROMOTED,
        accounts.AdminOutcome.UNCHANGED,
    )
    assert user.role == "admin"
    assert [e.changed for e in uow.events(UserUpdated)] == [["role"]]
