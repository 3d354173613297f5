"""Validation every context shares: Pydantic's errors as our field errors (a dotted path and
a sentence), and the rules and types the schemas have in common."""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, Field, ValidationError

from smartgate.shared.errors import FieldError, ValidationFailed

T = TypeVar("T")

# Where Pydantic puts the request part first, the user only cares about the field.
_REQUEST_PARTS = {"body", "query", "path", "header", "cookie"}


def field_path(loc: Sequence[Any]) -> str:
    """`('body', 'containers', 0)` becomes `containers.0`."""
    parts = list(loc)
    if parts and parts[0] in _REQUEST_PARTS:
        parts = parts[1:]
    # Tagged unions and function validators add names that are not fields.
    parts = [p for p in parts if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(str(p) for p in parts) or "body"


def readable(error: dict[str, Any]) -> str:
    """Pydantic's message without its `Value error, ` prefix."""
    message = str(error.get("msg", "is invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def field_errors(errors: Sequence[dict[str, Any]]) -> list[FieldError]:
    """One FieldError per Pydantic error."""
    return [FieldError(field_path(e.get("loc", ())), readable(e)) for e in errors]


def parse_or_fail(schema: type[T], data: Any) -> T:
    """Validate `data` against a Pydantic model, raising ValidationFailed with field paths."""
    try:
        return schema.model_validate(data)  # type: ignore[attr-defined, no-any-return]
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc.errors())) from None


def no_control_characters(text: str) -> str:
    """Refuse NUL and other control characters: no database or screen wants them."""
    if any(ord(ch) < 32 and ch not in "\t" for ch in text):
        raise ValueError("contains control characters")
    return text


def stray_character(text: str, alphabet: Collection[str]) -> str | None:
    """The first character of `text` outside `alphabet`, named with its code point so that
    look-alikes (a full-width `２`, an Arabic-Indic `٥`) can be told apart; None if none."""
    stray = next((ch for ch in text if ch not in alphabet), None)
    return None if stray is None else f"{stray!r} (U+{ord(stray):04X})"


# Our row ids and line numbers are PostgreSQL `integer` columns. A bigger number names no
# row, and PostgreSQL refuses even to compare one with such a column ("integer out of range").
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _plausible_moment(value: datetime) -> datetime:
    # Year 1 or 9999 in another time zone overflows when turned to UTC; no trip is planned there.
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be between the years 2000 and 2100")
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
