"""Domain errors that the API, web and CLI map to answers."""

from dataclasses import dataclass

from smartgate.shared.wording import Wording


class DomainError(Exception):
    """Base of every error a user can cause. Given a `Wording`, the web shows it in the
    reader's language; str() is always the English text (API answers, CLI, logs)."""

    def __init__(self, message: "str | Wording" = "") -> None:
        self.wording = message if isinstance(message, Wording) else None
        super().__init__(str(message))


class NotFound(DomainError):
    """The thing does not exist, or the caller may not see it."""


class Conflict(DomainError):
    """The request clashes with the current state."""


class TooManyRequests(DomainError):
    """The caller asks faster than the rules allow; try again in `retry_after` seconds."""

    def __init__(self, message: "str | Wording" = "", *, retry_after: int = 60) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class Forbidden(DomainError):
    """The caller's role may not do this."""


@dataclass(frozen=True)
class FieldError:
    """One failing field: a dotted path such as `goods.0.hs_code`, and why."""

    field: str
    message: "str | Wording"  # Wording where a page words it for its reader


class ValidationFailed(DomainError):
    """One or more fields break the rules; nothing was saved."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    def prefixed(self, prefix: str) -> "ValidationFailed":
        """The same errors with their paths under `prefix` (for bulk requests)."""
        return ValidationFailed([FieldError(f"{prefix}.{e.field}", e.message) for e in self.errors])
