"""The auth service's unit of work: one transaction, with the service's repositories on it.

Use cases reach ``uow.users``, ``uow.refresh_tokens``, ``uow.login_failures`` and
``uow.signing_keys`` and never build a repository or touch a session. Users and refresh-token
families the repositories load or add are tracked, so the events a user records
(``UserRegistered``, ``UserUpdated``) go to the outbox with the commit that stores the change.
The runtime makes one per request: ``runtime.unit_of_work(AuthUnitOfWork)``.
"""

from __future__ import annotations

from auth_service.adapters.repositories import (
    LoginFailureRepository,
    RefreshTokenRepository,
    SigningKeyRepository,
    UserRepository,
)
from marketplace_platform.events.unit_of_work import UnitOfWork


class AuthUnitOfWork(UnitOfWork):
    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    login_failures: LoginFailureRepository
    signing_keys: SigningKeyRepository

    def open(self) -> None:
        self.users = UserRepository(self.session, track=self.track)
        self.refresh_tokens = RefreshTokenRepository(self.session, track=self.track)
        self.login_failures = LoginFailureRepository(self.session)
        self.signing_keys = SigningKeyRepository(self.session)
