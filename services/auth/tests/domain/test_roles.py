import pytest

from auth_service.domain.errors import LastAdmin
from auth_service.domain.roles import Role, check_role_change

pytestmark = pytest.mark.unit


def test_the_last_admin_cannot_be_demoted() -> None:
    with pytest.raises(LastAdmin):
        check_role_change(current=Role.ADMIN, new=Role.USER, admin_count=1)


def test_an_admin_can_be_demoted_while_another_remains() -> None:
    check_role_change(current=Role.ADMIN, new=Role.USER, admin_count=2)


def test_promoting_is_always_allowed() -> None:
    check_role_change(current=Role.USER, new=Role.ADMIN, admin_count=0)
