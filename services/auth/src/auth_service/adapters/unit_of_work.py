"""The auth service's unit of work: one transaction, with the service's repositories on it.

Use cases reach ``uow.users``, ``uow.refresh_tokens``, ``uow.login_failures``,
``uow.signing_keys`` and ``uow.order_history`` and never build a repository or touch a
session. Users and refresh-token families the repositories load or add are tracked, so the
events a user records (``UserRegistered``, ``UserUpdated``) go to the outbox with the commit
that stores the change. Use cases are given a factory (``UnitOfWorkFactory``) and open one
per transaction; the components make it from the runtime:
``partial(runtime.unit_of_work, AuthUnitOfWork)``.
"""

from __future__ import annotations

from auth_service.adapters.repositories import (
    LoginFailureRepository,
    OrderHistoryRepository,
    RefreshTokenRepository,
    SigningKeyRepository,
    UserRepository,
)
from marketplace_platform.events.unit_of_work import UnitOfWork
from marketplace_platform.events.unit_of_work import UnitOfWorkFactory as PlatformUnitOfWorkFactory


class AuthUnitOfWork(UnitOfWork):
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    login_failures: LoginFailureRepository
    signing_keys: SigningKeyRepository
    order_history: OrderHistoryRepository

    def open(self) -> None:
        self.users = UserRepository(self.session, track=self.track)
        self.refresh_tokens = RefreshTokenRepository(self.session, track=self.track)
        self.login_failures = LoginFailureRepository(self.session)
        self.signing_keys = SigningKeyRepository(self.session)
        self.order_history = OrderHistoryRepository(self.session)


UnitOfWorkFactory = PlatformUnitOfWorkFactory[AuthUnitOfWork]
