"""What the notifications service's routes, consumers and background work use, built once
by the composition root (``main.create_app``) and reached by routes through ``api.deps``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from marketplace_platform.runtime import ServiceRuntime
from notifications_service.adapters.mailers import MaildirMailer, SmtpMailer, SmtpServer
from notifications_service.adapters.queries import InboxQueries
from notifications_service.adapters.realtime import Fanout, Hub
from notifications_service.adapters.unit_of_work import NotificationsUnitOfWork
from notifications_service.service.mail import MailSender, send_due
from notifications_service.service.notify import Outlets
from notifications_service.service.ports import Mailer
from notifications_service.settings import NotificationsSettings


@dataclass(frozen=True, slots=True)
class Components:
    settings: NotificationsSettings
    runtime: ServiceRuntime
    queries: InboxQueries
    hub: Hub
    fanout: Fanout
    mailer: Mailer
    mail_sender: MailSender
    outlets: Outlets

    def unit_of_work(self, *, read_only: bool = False) -> NotificationsUnitOfWork:
        return self.runtime.unit_of_work(NotificationsUnitOfWork, read_only=read_only)

    def start(self) -> None:
        self.mail_sender.start()
        self.hub.start()

    async def close(self) -> None:
        await self.hub.stop()
        await self.mail_sender.stop()


def build_mailer(settings: NotificationsSettings) -> Mailer:
    if settings.smtp_host:
        server = SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout.total_seconds(),
        )
        return SmtpMailer(server, sender=settings.mail_from)
    return MaildirMailer(settings.mail_directory, sender=settings.mail_from)


def build_components(
    settings: NotificationsSettings, runtime: ServiceRuntime, *, mailer: Mailer | None = None
) -> Components:
    """``mailer`` lets tests put their own in."""
    hub = Hub(
        max_per_user=settings.max_sockets_per_user, heartbeat=settings.heartbeat.total_seconds()
    )
    fanout = Fanout(runtime.bus, hub)
    mailer = mailer or build_mailer(settings)

    def unit_of_work() -> NotificationsUnitOfWork:
        return runtime.unit_of_work(NotificationsUnitOfWork)

    mail_sender = MailSender(
        partial(
            send_due,
            unit_of_work=unit_of_work,
            mailer=mailer,
            batch=settings.mail_batch,
            claim_for=settings.mail_claim,
        ),
        interval=settings.mail_interval,
    )
    outlets = Outlets(
        pusher=fanout,
        mail_queued=mail_sender.notify,
        site_url=settings.site_url,
        fold_window=settings.like_fold_window,
    )
    return Components(
        settings=settings,
        runtime=runtime,
        queries=InboxQueries(runtime.db),
        hub=hub,
        fanout=fanout,
        mailer=mailer,
        mail_sender=mail_sender,
        outlets=outlets,
    )
