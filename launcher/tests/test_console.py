import io

import pytest

from marketplace_launcher.console import Console, wants_color

pytestmark = pytest.mark.unit


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_are_prefixed_with_the_process_name_and_aligned() -> None:
    out = io.StringIO()
    console = Console(out, color=False)
    console.reserve(["auth.1", "notifications.1"])

    console.child_line("auth.1", '{"msg": "ready"}')

    assert out.getvalue() == 'auth.1          | {"msg": "ready"}\n'


def test_no_colour_when_output_is_not_a_terminal() -> None:
    assert wants_color(io.StringIO(), {}) is False
    assert wants_color(FakeTerminal(), {}) is True
    assert wants_color(FakeTerminal(), {"NO_COLOR": "1"}) is False
    assert wants_color(FakeTerminal(), {"TERM": "dumb"}) is False
    assert wants_color(io.StringIO(), {"FORCE_COLOR": "1"}) is True


def test_replicas_share_their_service_colour() -> None:
    console = Console(io.StringIO(), color=True)
    console.reserve(["auth.1", "auth.2"])

    first, second = console.prefix("auth.1"), console.prefix("auth.2")

    assert first.startswith("\033[")
    assert first.split("auth")[0] == second.split("auth")[0]


def test_a_closed_reader_does_not_break_the_launcher() -> None:
    class Gone(io.StringIO):
        def write(self, _text: str) -> int:
            raise BrokenPipeError

    Console(Gone(), color=False).info("still fine")
