"""Mail through SMTP, on each engine, to a small SMTP server of the test's own: a letter is
sent once; a mail server that is down delays it and loses nothing; one that refuses the
address ends it without retries."""

import asyncio
import email
import email.policy
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from marketplace_contracts import UserRegistered
from marketplace_platform.testing.nats import free_port

pytestmark = pytest.mark.integration


@dataclass
class SmtpServer:
    """Enough of SMTP (RFC 5321) for ``smtplib``: every letter it accepts is kept."""

    port: int
    refuse: set[str] = field(default_factory=set)  # addresses answered 550
    letters: list[email.message.EmailMessage] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        say("220 test SMTP")
        while line := (await reader.readline()).decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb == "RCPT" and any(address in line for address in self.refuse):
                say("550 no such user")
            elif verb == "DATA":
                say("354 go ahead")
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk
                self.letters.append(
                    email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[arg-type]
                )
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                break
            else:
                say("250 OK")
            await writer.drain()
        await writer.drain()
        writer.close()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer(port=free_port())
    yield server
    await server.stop()


@pytest.fixture
def smtp_settings(settings, smtp):
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})


async def registered(service, name: str = "Ivan") -> uuid.UUID:
    user_id = uuid.uuid4()
    await service.deliver(
        UserRegistered(user_id=user_id, email=f"{name.lower()}@example.test", name=name,
                       role="user")
    )
    return user_id


async def until(check, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


async def test_a_letter_goes_to_the_mail_server_once(smtp, smtp_settings, signer, helpers):
    await smtp.start()
    async with helpers.running(smtp_settings, signer) as service:
        await registered(service)
        await until(lambda: service.scalar("SELECT count(*) FROM mail WHERE status = 'sent'"))
        await asyncio.sleep(smtp_settings.mail_interval.total_seconds() * 3)
        message_id = await service.scalar("SELECT id FROM mail")
    [letter] = smtp.letters
    assert letter["To"] == "ivan@example.test"
    assert letter["Subject"] == "Добро пожаловать в Marketplace"
    assert str(uuid.UUID(str(message_id))) in letter["Message-ID"]
    assert "http://127.0.0.1:8000/" in letter.get_content()


async def test_a_mail_server_outage_delays_the_letter_and_loses_nothing(
    smtp, smtp_settings, signer, helpers
):
    async with helpers.running(smtp_settings, signer) as service:
        await registered(service)
        # Claimed (attempts) in one transaction, its outcome recorded in the next.
        await until(lambda: service.scalar("SELECT last_error IS NOT NULL FROM mail"))
        status, error = (
            await service.scalar("SELECT status FROM mail"),
            await service.scalar("SELECT last_error FROM mail"),
        )
        assert (status, smtp.letters) == ("pending", [])
        assert "cannot reach" in error

        await smtp.start()  # back: the letter goes at its next try (5 s after the first)
        await until(lambda: service.scalar("SELECT count(*) FROM mail WHERE status = 'sent'"))
    assert len(smtp.letters) == 1


async def test_a_refused_address_ends_the_letter(smtp, smtp_settings, signer, helpers):
    smtp.refuse.add("nobody@example.test")
    await smtp.start()
    async with helpers.running(smtp_settings, signer) as service:
        await registered(service, "Nobody")
        await until(lambda: service.scalar("SELECT count(*) FROM mail WHERE status = 'failed'"))
        assert "550" in await service.scalar("SELECT last_error FROM mail")
        assert await service.scalar("SELECT attempts FROM mail") == 1
    assert smtp.letters == []
