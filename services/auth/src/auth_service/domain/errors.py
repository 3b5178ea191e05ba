"""What can go wrong in the auth service's use cases, as RFC 9457 problem types."""

from __future__ import annotations

from marketplace_platform.problems import (
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)


class InvalidEmail(InvalidInput):
    type_slug = "invalid-email"


class WeakPassword(InvalidInput):
    type_slug, title = "weak-password", "Password refused"


class EmailTaken(Conflict):
    type_slug, title = "email-taken", "Email already registered"


class InvalidCredentials(Unauthorized):
    type_slug, title = "invalid-credentials", "Invalid email or password"


class InvalidRefreshToken(Unauthorized):
    type_slug, title = "invalid-refresh-token", "Invalid refresh token"


class LoginThrottled(TooManyRequests):
    type_slug, title = "login-throttled", "Too many failed logins"


class UserNotFound(NotFound):
    type_slug, title = "user-not-found", "User not found"


class LastAdmin(Conflict):
    type_slug, title = "last-admin", "Last admin"


class AvatarNotFound(NotFound):
    type_slug, title = "avatar-not-found", "Avatar not found"


class SigningKeyNotFound(NotFound):
    type_slug, title = "signing-key-not-found", "Signing key not found"
