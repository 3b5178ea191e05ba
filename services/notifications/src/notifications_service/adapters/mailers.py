"""Where letters go: a mail server over SMTP, or with none configured a Maildir on disk.

SMTP is the standard library's ``smtplib`` on a worker thread (one connection per batch,
which a busy queue reuses for every letter in it). Its answers are sorted the way SMTP means
them: a 5xx is a refusal for good (``MailRejected``), a 4xx, a dropped connection or a
timeout is "not now" (``MailDeferred``).

The Maildir is what ``make run`` uses: each letter a file under ``var/mail/new``, which any
mail client (``mutt -f var/mail``) or a plain ``cat`` reads; ``mailbox.Maildir`` writes it
under a temporary name and renames it, so a reader never sees half a letter.
"""

from __future__ import annotations

import asyncio
import mailbox
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from notifications_service.domain.mail import Mail, MailDeferred, MailRejected


def email_message(letter: Mail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = letter.to_address
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(letter.created_at)
    message["Message-ID"] = letter.message_id
    message.set_content(letter.body)
    return message


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0


class SmtpMailer:
    def __init__(self, server: SmtpServer, *, sender: str) -> None:
        self.server = server
        self.sender = sender

    async def send(self, letters: Sequence[Mail]) -> list[Exception | None]:
        """Send each letter; per letter, None or the ``MailDeferred``/``MailRejected`` it
        met. A connection that cannot be made defers them all."""
        return await asyncio.to_thread(self._send_all, list(letters))

    def _send_all(self, letters: list[Mail]) -> list[Exception | None]:
        server = self.server
        try:
            smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        except (OSError, smtplib.SMTPException) as error:
            deferred = MailDeferred(f"cannot reach {server.host}:{server.port}: {error}")
            return [deferred for _ in letters]
        results: list[Exception | None] = []
        try:
            if server.starttls:
                smtp.starttls()
            if server.username:
                smtp.login(server.username, server.password)
            for letter in letters:
                results.append(self._send_one(smtp, letter))
        except (OSError, smtplib.SMTPException) as error:
            deferred = MailDeferred(f"the mail server dropped the session: {error}")
            results += [deferred] * (len(letters) - len(results))
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return results

    def _send_one(self, smtp: smtplib.SMTP, letter: Mail) -> Exception | None:
        try:
            smtp.send_message(email_message(letter, sender=self.sender))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            kind = MailRejected if all(code >= 500 for code in codes) else MailDeferred
            return kind(f"recipient refused: {error.recipients}")
        except smtplib.SMTPResponseException as error:
            kind = MailRejected if error.smtp_code >= 500 else MailDeferred
            return kind(f"{error.smtp_code} {error.smtp_error!r}")
        return None


class MaildirMailer:
    """Letters as files in a Maildir: for development, where no mail server is set up."""

    def __init__(self, path: Path, *, sender: str) -> None:
        self.path = path
        self.sender = sender

    async def send(self, letters: Sequence[Mail]) -> list[Exception | None]:
        return await asyncio.to_thread(self._write_all, list(letters))

    def _write_all(self, letters: list[Mail]) -> list[Exception | None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            return [MailDeferred(f"cannot open the Maildir {self.path}: {error}") for _ in letters]
        results: list[Exception | None] = []
        for letter in letters:
            try:
                box.add(email_message(letter, sender=self.sender))
                results.append(None)
            except OSError as error:
                results.append(MailDeferred(f"cannot write to the Maildir: {error}"))
        return results
