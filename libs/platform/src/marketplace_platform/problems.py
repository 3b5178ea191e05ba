"""Domain errors and their RFC 9457 problem documents.

Services raise these from their use cases; the app factory turns each into an
``application/problem+json`` answer. A route never builds an error response by hand.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

PROBLEM_JSON = "application/problem+json"

# The title and ``type`` slug of each status that a service or the gateway answers itself,
# so that a 404 reads the same whichever of them made it.
STATUS_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    417: "Expectation failed",
    422: "Invalid input",
    429: "Too many requests",
    431: "Request header fields too large",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    417: "expectation-failed",
    422: "validation-error",
    429: "too-many-requests",
    431: "request-header-fields-too-large",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}

# The JSON Schema of every problem document, as the OpenAPI documents show it.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "An RFC 9457 problem document (application/problem+json).",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The path that was requested."},
        "errors": {
            "type": "array",
            "description": "422 only: every wrong field of the request, not just the first.",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


class DomainError(Exception):
    """An expected failure of a use case: the caller did something the rules forbid."""

    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def headers(self) -> dict[str, str]:
        return {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem(
            self.status,
            self.title,
            self.detail,
            type_slug=self.type_slug,
            instance=instance,
            **self.extra,
        )


def field_error(error: DomainError) -> PydanticCustomError:
    """A domain rule's refusal as a request-schema validation error, so that a request with
    several wrong fields is answered with all of them in one 422 (``errors``), each under its
    own problem type. Alone, it is answered as the domain error itself (see ``http``)."""
    return PydanticCustomError(
        error.type_slug, "{detail}", {"detail": error.detail, "problem_title": error.title}
    )


class InvalidInput(DomainError):
    status, type_slug, title = 422, "validation-error", "Invalid input"


class Unauthorized(DomainError):
    status, type_slug, title = 401, "unauthorized", "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="marketplace"'}


class Forbidden(DomainError):
    status, type_slug, title = 403, "forbidden", "Forbidden"


class NotFound(DomainError):
    status, type_slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, type_slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(DomainError):
    status, type_slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(DomainError):
    status, type_slug, title = 415, "unsupported-media-type", "Unsupported media type"


class TooManyRequests(DomainError):
    status, type_slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ServiceUnavailable(DomainError):
    status, type_slug, title = 503, "service-unavailable", "Service unavailable"

    def __init__(
        self, detail: str | None = None, *, retry_after: int | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_slug: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build an RFC 9457 problem document. ``type`` is a stable, documented slug URI."""
    body: dict[str, Any] = {
        "type": f"https://marketplace.example/problems/{type_slug}" if type_slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return body
