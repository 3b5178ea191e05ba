import pytest

from marketplace_launcher.ports import PortUnavailable, plan_instances, preferred_port
from marketplace_launcher.services import SERVICES, ServiceSpec

pytestmark = pytest.mark.unit

AUTH = ServiceSpec("auth", "auth_service", "AUTH_", 8101)
CATALOG = ServiceSpec("catalog", "catalog_service", "CATALOG_", 8102)


def always_free(_port: int) -> bool:
    return True


def one_each(_name: str) -> int:
    return 1


def test_first_replicas_take_the_well_known_ports() -> None:
    instances = plan_instances(SERVICES, one_each, is_free=always_free)

    assert [(i.name, i.port) for i in instances] == [
        ("auth.1", 8101), ("catalog.1", 8102), ("orders.1", 8103), ("payments.1", 8104),
        ("reviews.1", 8105), ("notifications.1", 8106), ("analytics.1", 8107),
    ]


def test_more_replicas_go_a_stride_above_without_touching_neighbours() -> None:
    counts = {"auth": 3, "catalog": 2}

    instances = plan_instances([AUTH, CATALOG], lambda n: counts[n], is_free=always_free)

    assert [(i.name, i.port) for i in instances] == [
        ("auth.1", 8101), ("auth.2", 8201), ("auth.3", 8301),
        ("catalog.1", 8102), ("catalog.2", 8202),
    ]


def test_the_base_moves_the_whole_block() -> None:
    instances = plan_instances([AUTH, CATALOG], one_each, base=20000, is_free=always_free)

    assert [i.port for i in instances] == [20001, 20002]
    assert preferred_port(AUTH, 2, 20000) == 20101


def test_a_busy_port_is_skipped_for_the_next_free_one() -> None:
    busy = {8101, 8102}

    instances = plan_instances([AUTH, CATALOG], one_each, is_free=lambda p: p not in busy)

    # auth moves up past the busy ports; catalog then skips the one auth took.
    assert [i.port for i in instances] == [8103, 8104]


def test_reserved_ports_are_never_given_out() -> None:
    instances = plan_instances([AUTH], one_each, base=3999, reserved={4000}, is_free=always_free)

    assert instances[0].port == 4001


def test_no_free_port_at_all_is_an_error() -> None:
    with pytest.raises(PortUnavailable):
        plan_instances([AUTH], one_each, is_free=lambda _p: False)


def test_an_instance_knows_its_loopback_url() -> None:
    spec = ServiceSpec("auth", "auth_service", "AUTH_", 8101)
    (instance,) = plan_instances([spec], one_each, is_free=always_free)

    assert instance.url == "http://127.0.0.1:8101"
