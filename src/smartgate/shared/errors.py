"""Domain errors that the API, web and CLI map to answers."""

import re
from dataclasses import dataclass, replace

from smartgate.shared.wording import Wording


class DomainError(Exception):
    """Base of every error a user can cause. Given a `Wording`, the web shows it in the
    reader's language; str() is always the English text (API answers, CLI, logs)."""

    def __init__(self, message: "str | Wording" = "") -> None:
        self.wording = message if isinstance(message, Wording) else None
        super().__init__(str(message))

    @property
    def code(self) -> str:
        """A stable name for the refusal: its wording's code, else its kind (`not_found`)."""
        if self.wording is not None:
            return self.wording.code
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()

    @property
    def params(self) -> dict[str, object]:
        """The values in the refusal's wording, for clients that word it themselves."""
        return self.wording.params() if self.wording is not None else {}


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


class Unsigned(DomainError):
    """A machine's message is not believed: its signature, sender or age is wrong."""


class Unavailable(DomainError):
    """This instance is not set up for the request yet (e.g. it has no exchange key)."""


@dataclass(frozen=True)
class FieldError:
    """One failing field: a dotted path such as `goods.0.hs_code`, and why."""

    field: str
    message: "str | Wording"  # Wording where a page words it for its reader
    reworded: Wording | None = None  # how a page words an English `message` (Pydantic's)

    @property
    def wording(self) -> Wording:
        """The reason as a page words it for its reader (text it cannot word stays as is)."""
        if self.reworded is not None:
            return self.reworded
        if isinstance(self.message, Wording):
            return self.message
        return Wording.as_is(self.message)


class ValidationFailed(DomainError):
    """One or more fields break the rules; nothing was saved."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    def prefixed(self, prefix: str) -> "ValidationFailed":
        """The same errors with their paths under `prefix` (for bulk requests)."""
        return ValidationFailed([replace(e, field=f"{prefix}.{e.field}") for e in self.errors])
