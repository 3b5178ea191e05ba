import pytest

from marketplace_launcher.up import RestartPolicy, gateway_url

pytestmark = pytest.mark.unit


def test_restarts_back_off_exponentially_up_to_a_ceiling() -> None:
    policy = RestartPolicy(first_delay=1.0, max_delay=30.0)

    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert policy.delay(20) == 30.0


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("192.168.1.20", "http://192.168.1.20:8000"),
        ("shop.local", "http://shop.local:8000"),
    ],
)
def test_the_printed_url_is_one_a_browser_here_can_open(host: str, url: str) -> None:
    assert gateway_url(host, 8000) == url
